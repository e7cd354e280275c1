#!/usr/bin/env bash
# Installs everything Weir needs to build and test on Debian 12 (bookworm).
# Idempotent and non-interactive: when every package is already installed it
# does nothing (no apt-get at all), so it is cheap to run before each build.
# Runs apt-get as root, or through sudo when not root.
#
#   scripts/install-deps.sh          install what is missing
#   scripts/install-deps.sh --list   print the packages, one a line
#
# Every library the build links must come from one of these packages or
# from a package they depend on: scripts/check-link-deps.sh (a CTest test)
# checks it.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  # SQL front end; the ANTLR runtime's CMake package links -luuid
  antlr4 libantlr4-runtime-dev uuid-dev
  # connectors and state
  librdkafka-dev libmariadb-dev librocksdb-dev zlib1g-dev
  # libraries
  libabsl-dev libboost-test-dev libsimdjson-dev libfmt-dev libcli11-dev
  libedit-dev libcpp-httplib-dev nlohmann-json3-dev libre2-dev libxxhash-dev
  libbenchmark-dev
  # real parts for the tests
  mariadb-server kcat
)

if [[ "${1:-}" == --list ]]; then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

sudo_cmd=()
if [[ "$(id -u)" -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: not root and no sudo; install as root: ${missing[*]}" >&2
    exit 1
  fi
  sudo_cmd=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
  --no-install-recommends "${missing[@]}"
