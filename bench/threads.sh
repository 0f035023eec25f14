#!/usr/bin/env bash
# Open+close in two threads at once, each its own loop (15 frames deep),
# against one thread, plain and preloaded, all four in the same rounds: the
# two-thread ratio should stay within 10% of the one-thread ratio (no
# shared cache line on the hot path). On a 2-core machine two threads use
# both cores, so other load on the machine shows more here.
#
#   bench/threads.sh               ROUNDS=7 SCALE=1
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
n=$(scaled 300000)
echo "== open+close, 1 and 2 threads, $n iterations each, ${ROUNDS:-7} rounds" >&2
out=$(alternate -r "${ROUNDS:-7}" -c plain1 "BENCH_THREADS=1" -c fdscope1 "BENCH_THREADS=1 $FDSCOPE_ENV" \
  -c plain2 "BENCH_THREADS=2" -c fdscope2 "BENCH_THREADS=2 $FDSCOPE_ENV" --base fdscope2 plain2 \
  -- "$bin/fdscope-bench-loop" open "$n")
echo "$out" >&2
r1=$(field fdscope1 3 <<<"$out"); r2=$(field fdscope2 3 <<<"$out")
rel=$(awk -v a="$r1" -v b="$r2" 'BEGIN { printf "%.2f", b / a }')
row "open+close, 2 threads (slowest thread)" "$(printf '%.0f ns' "$(field plain2 2 <<<"$out")")" \
  "$(printf '%.0f ns' "$(field fdscope2 2 <<<"$out")")" "$(printf '%.2fx' "$r2")" \
  "$(printf '<= 1.10 x 1-thread %.2fx: %sx, %s' "$r1" "$rel" "$(meets "$rel" "<=" 1.10)")" ""
