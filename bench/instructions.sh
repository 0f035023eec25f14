#!/usr/bin/env bash
# User-space instructions per create+close pair, plain and under the
# library, ~15 frames deep (fdscope-bench-loop): valgrind's callgrind counts
# them exactly, whatever else the machine is doing; the figure is the
# difference of two runs of different lengths, so start-up costs cancel.
# Kernel time is not included. Beside the defaults, two configurations show
# where the instructions go: stacks_from=100% (below it descriptors are
# counted without a stack, so it is the cost of the bookkeeping alone) and
# depth=8 (a capture of 8 frames instead of the loop's ~23).
#
#   bench/instructions.sh [KIND...]      (default: open socket pipe2)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
count() {  # KIND env... -> instructions per iteration
  local kind=$1 a b; shift
  a=$(env -u LD_PRELOAD -u FDSCOPE_OPTIONS "$@" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$bin/fdscope-bench-loop" "$kind" 20000 2>&1 >/dev/null | sed -n 's/.*Collected : //p')
  b=$(env -u LD_PRELOAD -u FDSCOPE_OPTIONS "$@" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$bin/fdscope-bench-loop" "$kind" 40000 2>&1 >/dev/null | sed -n 's/.*Collected : //p')
  echo $(( (b - a) / 20000 ))
}
declare -A label=([open]="open+close" [socket]="socket+close" [pipe2]="pipe2+close+close"
  [unix]="unix connect+accept4+close+close" [dup]="dup+close")
declare -A limit=([open]=1500 [socket]=1500 [pipe2]=2000)
kinds=("$@"); [ $# -gt 0 ] || kinds=(open socket pipe2)
for k in "${kinds[@]}"; do
  plain=$(count "$k" FDSCOPE_UNUSED=1)
  full=$(count "$k" LD_PRELOAD="$lib" FDSCOPE_OPTIONS=log=none)
  nostack=$(count "$k" LD_PRELOAD="$lib" FDSCOPE_OPTIONS=log=none:stacks_from=100%)
  shallow=$(count "$k" LD_PRELOAD="$lib" FDSCOPE_OPTIONS=log=none:depth=8)
  echo "$k: user-space instructions per ${label[$k]} (callgrind): plain $plain, fdscope $full," \
    "stacks_from=100% $nostack, depth=8 $shallow" >&2
  t="—"; [ -n "${limit[$k]:-}" ] && t="<= +${limit[$k]}: $(meets $(( full - plain )) "<=" "${limit[$k]}")"
  row "instructions per ${label[$k]}" "$plain" "$full" "+$(( full - plain ))" "$t" \
    "fdscope stacks_from=100% (no stacks) +$(( nostack - plain )), depth=8 +$(( shallow - plain ))"
done
