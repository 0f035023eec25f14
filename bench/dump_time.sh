#!/usr/bin/env bash
# Time to write one dump with 10,000 open descriptors from 300 call sites.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
ulimit -n 20000
LD_PRELOAD="$build/lib/libfdscope.so" FDSCOPE_OPTIONS=log=none:threshold=0 \
  "$build/bin/fdscope-bench-dump-time" 10000 300 "$out"
echo "dump size: $(( $(stat -c %s "$out") / 7 / 1024 )) KiB"
