#!/usr/bin/env bash
# THE test command: installs dependencies, builds Weir and its benchmarks
# with gcc (RelWithDebInfo) into build/ and runs every test (the benchmarks
# are only built); then builds with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/, runs the
# tests again, and fuzzes the parser and binder for WEIR_FUZZ_SECONDS
# (default 60). Any failure exits non-zero.
#
#   WEIR_SKIP_ASAN=1      skip the sanitizer build and the fuzzer (quick runs)
#   WEIR_FUZZ_SECONDS=N   how long the fuzzer runs (0 skips it; otherwise a
#                         fuzzer that was not built fails the run)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
jobs=$(nproc)
fuzz_seconds=${WEIR_FUZZ_SECONDS:-60}
started=$(date +%s)
summary=()
current_step="start"
corpus=""

step() {
  current_step="$*"
  printf '\n==> %s\n' "$*"
}

finish() {
  local rc=$?
  if [[ -n "$corpus" ]]; then rm -rf "$corpus"; fi
  if ((rc != 0)); then
    echo
    echo "test.sh: FAILED at step '${current_step}' (exit ${rc})"
  fi
}
trap finish EXIT

# A full disk fails the build with "No space left on device" deep in a
# link line; say up front how much there is (the two builds and their
# tests take about 4 GB with compressed debug info).
free_kb=$(df -Pk . | awk 'NR == 2 { print $4 }')
echo "test.sh: $((free_kb / 1024 / 1024)) GB free on $(df -P . | awk 'NR == 2 { print $6 }')"
if ((free_kb < 6 * 1024 * 1024)); then
  echo "test.sh: warning: less than 6 GB free; the builds may run out of disk" >&2
fi

step "dependencies"
bash scripts/install-deps.sh

# The benchmarks are built here (not run) so that they cannot rot.
step "build (gcc, RelWithDebInfo, benchmarks too) into build/"
cmake -S . -B build -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=g++ \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DWEIR_BENCH=ON
cmake --build build -j"$jobs"

step "tests (gcc)"
ctest --test-dir build --output-on-failure -j"$jobs"
summary+=("gcc: build and tests passed")

if [[ "${WEIR_SKIP_ASAN:-0}" == "1" ]]; then
  summary+=("sanitizers: skipped (WEIR_SKIP_ASAN=1)")
else
  step "build (clang, ASan+UBSan, fuzzers) into build-asan/"
  cmake -S . -B build-asan -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DWEIR_SANITIZE=ON -DWEIR_FUZZ=ON
  cmake --build build-asan -j"$jobs"

  step "tests (clang, ASan+UBSan)"
  export ASAN_OPTIONS=detect_leaks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --test-dir build-asan --output-on-failure -j"$jobs"
  summary+=("sanitizers: build and tests passed")

  fuzzer=build-asan/tests/fuzz/parse_bind_fuzzer
  if [[ "$fuzz_seconds" -le 0 ]]; then
    summary+=("fuzzer: skipped (WEIR_FUZZ_SECONDS=${fuzz_seconds})")
  elif [[ ! -x "$fuzzer" ]]; then
    # The build above asked for it (-DWEIR_FUZZ=ON): a missing binary is a
    # broken build, never a reason to skip.
    step "fuzz parse+bind"
    echo "test.sh: the fuzzer $fuzzer was not built" >&2
    exit 1
  else
    step "fuzz parse+bind for ${fuzz_seconds}s"
    corpus=$(mktemp -d)
    # One seed file per SQL block of the golden files (the SQL between a
    # directive line and its '----' or the blank line that ends it).
    shopt -s nullglob
    for test_file in tests/sql/*.test; do
      awk -v out="$corpus/$(basename "$test_file" .test)" '
        /^(statement|query|explain|output)/ { n++; in_sql = 1; next }
        /^----$/ || /^$/ { in_sql = 0; next }
        in_sql { print > (out "_" n ".sql") }
      ' "$test_file"
    done
    shopt -u nullglob
    # New inputs go to the first directory; tests/fuzz/regressions (inputs
    # that once hung or crashed it) only seeds.
    (cd build-asan && "$root/$fuzzer" -max_total_time="$fuzz_seconds" -timeout=30 \
      -print_final_stats=1 "$corpus" "$root/tests/fuzz/regressions")
    summary+=("fuzzer: ${fuzz_seconds}s without a crash")
  fi
fi

elapsed=$(($(date +%s) - started))
echo
for line in "${summary[@]}"; do echo "  $line"; done
echo "test.sh: ALL PASSED in ${elapsed}s"
