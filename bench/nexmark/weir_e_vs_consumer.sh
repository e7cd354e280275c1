#!/usr/bin/env bash
# Nexmark q0 from Kafka measured from outside, as a new user would run it:
# `weir -e "... SELECT * FROM bid EMIT CHANGES LIMIT N" > /dev/null` against
# kafka_reference_consumer (the batch-API reader of reference_consumer.h,
# one consumer per thread) reading the same topic of a `weir broker`.
# The two alternate, REPEATS times each; the medians of wall and CPU time
# (user + sys of the process, not of the broker) are compared.
#
#   bench/nexmark/weir_e_vs_consumer.sh [BUILD_DIR]
#
# BUILD_DIR (default build) must hold cli/weir and
# bench/nexmark/kafka_reference_consumer (configure with -DWEIR_BENCH=ON).
# Environment: COUNT (bids, default 1100000), PARTITIONS (default 128),
# THREADS (reference threads = Weir's parallelism, default 2), REPEATS
# (default 5), DECODE=1 (the reference also decodes each record with
# simdjson), COLUMNS (the select list, default '*'; Nexmark q0 proper is
# 'auction, bidder, price, date_time'), BASELINE (another weir binary, e.g.
# a build of main, timed as a third reader in the same rounds; then the
# median of the per-round ratios of the two weirs is printed too). Not a
# test: it prints figures and has no thresholds. It exits
# non-zero when a run fails, when the reference reads a different number of
# records, or when an untimed first run of weir prints other than COUNT
# rows.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-build}
[[ "$build" = /* ]] || build="$root/$build"
weir="$build/cli/weir"
reference="$build/bench/nexmark/kafka_reference_consumer"
count=${COUNT:-1100000}
partitions=${PARTITIONS:-128}
threads=${THREADS:-2}
repeats=${REPEATS:-5}
for binary in "$weir" "$reference"; do
  if [[ ! -x "$binary" ]]; then
    echo "weir_e_vs_consumer: $binary is missing (build with -DWEIR_BENCH=ON)" >&2
    exit 1
  fi
done

work=$(mktemp -d)
broker_pid=""
cleanup() {
  if [[ -n "$broker_pid" ]]; then
    kill "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$weir" broker --topic bid --partitions "$partitions" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 100); do
  [[ -s "$work/broker.out" ]] && break
  sleep 0.1
done
address=$(sed -n 's/^Embedded Kafka broker listening on //p' "$work/broker.out")
if [[ -z "$address" ]]; then
  echo "weir_e_vs_consumer: weir broker did not start:" >&2
  cat "$work/broker.err" >&2
  exit 1
fi
"$weir" gen --nexmark --table bid --topic bid \
  --count "$count" --bootstrap "$address" 2>/dev/null

sql="SET 'bootstrap.servers' = '$address'; SET 'parallelism' = '$threads';
CREATE STREAM bid (auction BIGINT, bidder BIGINT, price BIGINT,
  channel VARCHAR, url VARCHAR, date_time TIMESTAMP(3), extra VARCHAR)
  WITH (connector = 'kafka', topic = 'bid', format = 'json');
SELECT ${COLUMNS:-*} FROM bid EMIT CHANGES LIMIT $count;"
reference_args=(--bootstrap "$address" --topic bid --threads "$threads")
if [[ "${DECODE:-0}" == 1 ]]; then reference_args+=(--decode); fi

# Once, untimed: weir prints every row (the header and one line per row,
# then the count); the timed runs write to /dev/null, as a user would.
"$weir" -e "$sql" >"$work/weir.out"
rows=$(sed -n 's/^(\([0-9]*\) rows)$/\1/p' "$work/weir.out")
lines=$(grep -c ' | ' "$work/weir.out")
if [[ "$rows" != "$count" ]] || ((lines != count + 1)); then
  echo "weir_e_vs_consumer: weir printed $lines table lines and '$rows' rows," \
    "not $count" >&2
  exit 1
fi
rm "$work/weir.out"

# One timed run of "$@" (its stdout to $out): appends "wall cpu" to the
# file $timing. bash's own `time`, so GNU time is not needed.
timed() {
  local timing=$1 out=$2
  shift 2
  local TIMEFORMAT='%R %U %S'
  if ! { time "$@" >"$out" 2>"$work/stderr"; } 2>"$work/time"; then
    echo "weir_e_vs_consumer: $1 failed:" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$work/time" >>"$timing"
}

: >"$work/weir.times"
: >"$work/reference.times"
: >"$work/baseline.times"
readers="reference weir"
if [[ -n "${BASELINE:-}" ]]; then readers="reference weir baseline"; fi
reversed=$(echo "$readers" | tr ' ' '\n' | tac | tr '\n' ' ')
for ((i = 1; i <= repeats; i++)); do
  # Alternate the order, so no reader always runs on a warmer broker.
  for who in $( ((i % 2)) && echo "$readers" || echo "$reversed"); do
    if [[ $who == weir ]]; then
      timed "$work/weir.times" /dev/null "$weir" -e "$sql"
    elif [[ $who == baseline ]]; then
      timed "$work/baseline.times" /dev/null "$BASELINE" -e "$sql"
    else
      timed "$work/reference.times" "$work/reference.out" "$reference" \
        "${reference_args[@]}"
      if ! grep -q "^records $count " "$work/reference.out"; then
        echo "weir_e_vs_consumer: the reference read:" >&2
        cat "$work/reference.out" >&2
        exit 1
      fi
    fi
    echo "run $i $who: $(tail -n 1 "$work/$who.times") (wall s, cpu s)"
  done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
weir_wall=$(cut -d' ' -f1 "$work/weir.times" | median)
weir_cpu=$(cut -d' ' -f2 "$work/weir.times" | median)
ref_wall=$(cut -d' ' -f1 "$work/reference.times" | median)
ref_cpu=$(cut -d' ' -f2 "$work/reference.times" | median)
echo
echo "SELECT ${COLUMNS:-*}: $count bids in $partitions partitions, $threads threads, median of $repeats; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'reference%s: %6.2f s wall %6.2f s cpu\n' \
  "$( [[ "${DECODE:-0}" == 1 ]] && echo " (decode)")" "$ref_wall" "$ref_cpu"
printf 'weir -e:   %6.2f s wall %6.2f s cpu\n' "$weir_wall" "$weir_cpu"
awk -v w="$weir_wall" -v r="$ref_wall" -v wc="$weir_cpu" -v rc="$ref_cpu" \
  'BEGIN { printf "weir -e runs at %.2fx the reference rate (wall), uses %.2fx its cpu\n", r / w, wc / rc }'
# The same ratios paired by round (each reader next to the other, under the
# same load), then their median: steadier on a busy machine.
paired() { # FILE_A FILE_B COLUMN: median over the rounds of A / B
  paste -d' ' "$1" "$2" | awk -v c="$3" '{ print $c / $(c + 2) }' | median
}
printf 'paired by round: weir -e %.2fx the reference rate, %.2fx its cpu\n' \
  "$(paired "$work/reference.times" "$work/weir.times" 1)" \
  "$(paired "$work/weir.times" "$work/reference.times" 2)"
if [[ -n "${BASELINE:-}" ]]; then
  base_wall=$(cut -d' ' -f1 "$work/baseline.times" | median)
  base_cpu=$(cut -d' ' -f2 "$work/baseline.times" | median)
  printf 'baseline:  %6.2f s wall %6.2f s cpu (%s)\n' "$base_wall" "$base_cpu" "$BASELINE"
  awk -v w="$base_wall" -v r="$ref_wall" -v wc="$base_cpu" -v rc="$ref_cpu" \
    'BEGIN { printf "baseline runs at %.2fx the reference rate (wall), uses %.2fx its cpu\n", r / w, wc / rc }'
  printf 'paired by round: baseline %.2fx the reference rate, %.2fx its cpu\n' \
    "$(paired "$work/reference.times" "$work/baseline.times" 1)" \
    "$(paired "$work/baseline.times" "$work/reference.times" 2)"
  printf 'paired by round: weir -e %.2fx the wall time of the baseline, %.2fx its cpu\n' \
    "$(paired "$work/weir.times" "$work/baseline.times" 1)" \
    "$(paired "$work/weir.times" "$work/baseline.times" 2)"
fi
