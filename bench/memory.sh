#!/usr/bin/env bash
# Memory the library takes for open descriptors: the resident set of a
# program holding N descriptors from 1,000 distinct call stacks
# (fdscope-bench-hold), preloaded minus plain, at two N (this machine's
# hard descriptor limit is 20,000), extrapolated linearly to 100,000.
# threshold=0: no dump on the way up, only what tracking takes.
#
#   bench/memory.sh                ROUNDS=3 N1=5000 N2=18000
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
n1=${N1:-5000}; n2=${N2:-18000}
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $(( n2 + 100 )) ] || { echo "memory: needs a descriptor limit above $n2" >&2; exit 2; }
echo "== memory: $n1 and $n2 descriptors from 1,000 stacks, VmRSS in kB" >&2
opts="LD_PRELOAD=$lib FDSCOPE_OPTIONS=log=none:threshold=0"
out=$(alternate -r "${ROUNDS:-3}" -c plain1 "HOLD_N=$n1" -c fdscope1 "HOLD_N=$n1 $opts" \
  -c plain2 "HOLD_N=$n2" -c fdscope2 "HOLD_N=$n2 $opts" --base fdscope2 plain2 \
  -- bash -c 'exec "$0" "$HOLD_N" 1000' "$bin/fdscope-bench-hold")
echo "$out" >&2
d1=$(field fdscope1 4 <<<"$out"); d2=$(field fdscope2 4 <<<"$out")
awk -v n1="$n1" -v n2="$n2" -v d1="$d1" -v d2="$d2" -v p="$(field plain2 2 <<<"$out")" \
    -v f="$(field fdscope2 2 <<<"$out")" 'BEGIN {
  per = (d2 - d1) / (n2 - n1); at = (d1 + per * (100000 - n1)) / 1024
  printf "memory: +%.0f kB at %d, +%.0f kB at %d: %.0f bytes per descriptor, +%.1f MB at 100,000\n", \
    d1, n1, d2, n2, per * 1024, at > "/dev/stderr"
  printf "memory, 100,000 fds from 1,000 stacks (extrapolated from %d and %d)|RSS %.1f MB at %d|RSS %.1f MB at %d|+%.1f MB at %d, +%.1f MB at 100,000 (%.0f B per fd)|<= 6 MB: %s|\n", \
    n1, n2, p / 1024, n2, f / 1024, n2, d2 / 1024, n2, at, per * 1024, at <= 6 ? "yes" : "no" }'
