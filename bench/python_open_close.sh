#!/usr/bin/env bash
# Cost of Python creation stacks: a CPython loop of os.open + os.close on
# /dev/null, called DEPTH Python frames deep, plain, under the library with
# lang=off and with lang=auto (the default), alternating, several rounds;
# prints the medians (timed inside Python, start-up excluded) and ratios.
# The lang=auto minus lang=off difference is the cost of one capture (the
# frame walk plus interning DEPTH+1 frames and the stack).
#
#   bench/python_open_close.sh [ITERATIONS]       PYTHON=..., DEPTH=..., ROUNDS=...
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
lib=${BUILD_DIR:-$top/build}/lib/libfdscope.so
py=${PYTHON:-/usr/bin/python3}
n=${1:-200000}
depth=${DEPTH:-10}
rounds=${ROUNDS:-7}
prog='
import os, sys, time
n, depth = int(sys.argv[1]), int(sys.argv[2])
def loop(k):
    if k:
        return loop(k - 1)
    t = time.perf_counter_ns()
    for _ in range(n):
        os.close(os.open("/dev/null", os.O_RDONLY))
    return (time.perf_counter_ns() - t) / n
print("%.1f" % loop(depth))
'
run() { env "$@" "$py" -c "$prog" "$n" "$depth"; }
plain=(); off=(); auto=()
for _ in $(seq "$rounds"); do
  plain+=("$(run FDSCOPE_UNUSED=1)")
  off+=("$(run LD_PRELOAD="$lib" FDSCOPE_OPTIONS=log=none:lang=off)")
  auto+=("$(run LD_PRELOAD="$lib" FDSCOPE_OPTIONS=log=none:lang=auto)")
done
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
p=$(median "${plain[@]}"); o=$(median "${off[@]}"); a=$(median "${auto[@]}")
printf '%s: os.open+os.close of /dev/null %d frames deep, %d iterations, median of %d rounds\n' \
  "$("$py" -c 'import sys; print("CPython %d.%d.%d" % sys.version_info[:3])')" "$depth" "$n" "$rounds"
printf '  plain:              %8.1f ns per pair\n' "$p"
awk -v p="$p" -v o="$o" -v a="$a" 'BEGIN {
  printf "  fdscope lang=off:   %8.1f ns per pair  %5.2fx plain\n", o, o / p
  printf "  fdscope lang=auto:  %8.1f ns per pair  %5.2fx plain, %5.2fx lang=off\n", a, a / p, a / o
  printf "  one Python capture: %8.1f ns (lang=auto - lang=off)\n", a - o }'
