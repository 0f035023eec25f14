#!/usr/bin/env bash
# Overhead of libfdscope.so on the create/close path: the same loop plain and
# preloaded, alternating, several rounds; prints the medians and the ratio.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${BUILD_DIR:-$top/build}/bin/fdscope-bench-open-close
lib=${BUILD_DIR:-$top/build}/lib/libfdscope.so
n=${1:-1000000}
rounds=${ROUNDS:-7}
plain=(); shim=()
for _ in $(seq "$rounds"); do
  plain+=("$("$bin" "$n")")
  shim+=("$(LD_PRELOAD=$lib FDSCOPE_OPTIONS=log=none "$bin" "$n")")
done
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
p=$(median "${plain[@]}"); s=$(median "${shim[@]}")
printf 'open+close of /dev/null, %d iterations, median of %d rounds\n' "$n" "$rounds"
printf '  plain:     %8.1f ns per pair\n' "$p"
printf '  fdscope:   %8.1f ns per pair\n' "$s"
awk -v p="$p" -v s="$s" 'BEGIN { printf "  ratio:     %8.2fx  (+%.1f ns per pair)\n", s / p, s - p }'
