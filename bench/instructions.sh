#!/usr/bin/env bash
# User-space instructions per open+close pair, plain and under the library
# (valgrind's callgrind counts them exactly, whatever else the machine is
# doing): the difference of two runs of different lengths, so start-up
# costs cancel out. Kernel time is not included.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
bin=$build/bin/fdscope-bench-open-close
lib=$build/lib/libfdscope.so
count() {  # options... -> instructions per pair
  local a b
  a=$(env "$@" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 20000 2>&1 | sed -n 's/.*Collected : //p')
  b=$(env "$@" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 40000 2>&1 | sed -n 's/.*Collected : //p')
  echo $(( (b - a) / 20000 ))
}
plain=$(count FDSCOPE_UNUSED=1)
off=$(count LD_PRELOAD="$lib" FDSCOPE_OPTIONS=log=none:double_close=off)
full=$(count LD_PRELOAD="$lib" FDSCOPE_OPTIONS=log=none)
echo "user-space instructions per open+close pair (callgrind)"
echo "  plain:                           $plain"
echo "  fdscope, double_close=off:       $off   (creating stack only)"
echo "  fdscope, defaults:               $full   (creating and closing stacks)"
