#!/usr/bin/env bash
# Time to write one dump (to a file in $TMPDIR) with N descriptors open
# from 1,000 distinct call stacks (fdscope-bench-dump-time: the median of 7
# dumps), at two N within this machine's descriptor limit (20,000),
# extrapolated linearly to 100,000. Median of ROUNDS runs at each N. Side
# by side, the same program without the library times the kernel's part
# of any dump (list /proc/self/fd, readlinkat each entry): the floor.
#
#   bench/dump_time.sh             ROUNDS=5 N1=5000 N2=19000
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
n1=${N1:-5000}; n2=${N2:-19000}
ulimit -n "$(ulimit -Hn)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "== dump: $n1 and $n2 descriptors from 1,000 stacks, ms per dump" >&2
opts="LD_PRELOAD=$lib FDSCOPE_OPTIONS=log=none:threshold=0"
res=$(alternate -r "${ROUNDS:-5}" -c small "DUMP_N=$n1 DUMP_OUT=$out $opts" -c large "DUMP_N=$n2 DUMP_OUT=$out $opts" \
  -c floor-small "DUMP_N=$n1 DUMP_OUT=floor" -c floor-large "DUMP_N=$n2 DUMP_OUT=floor" \
  -- bash -c '[ "$DUMP_OUT" = floor ] || rm -f "$DUMP_OUT"; exec "$0" "$DUMP_N" 1000 "$DUMP_OUT"' "$bin/fdscope-bench-dump-time")
echo "$res" >&2
echo "dump size at $n2: $(( $(stat -c %s "$out") / 7 / 1024 )) KiB" >&2
awk -v n1="$n1" -v n2="$n2" -v t1="$(field small 2 <<<"$res")" -v t2="$(field large 2 <<<"$res")" \
  -v f1="$(field floor-small 2 <<<"$res")" -v f2="$(field floor-large 2 <<<"$res")" 'BEGIN {
  at = t2 + (t2 - t1) / (n2 - n1) * (100000 - n2)
  floor = f2 + (f2 - f1) / (n2 - n1) * (100000 - n2)
  printf "dump, %d fds from 1,000 stacks (extrapolated from %d and %d)|—|%.0f ms at %d, %.0f ms at %d|%.2f s at 100,000 (%.2fx the floor at %d)|< 0.5 s: %s|floor (the kernel part alone: list /proc/self/fd, readlinkat each) %.0f ms at %d, %.2f s at 100,000\n", \
    n2, n1, n2, t1, n1, t2, n2, at / 1000, t2 / f2, n2, at < 500 ? "yes" : "no", f2, n2, floor / 1000 }'
