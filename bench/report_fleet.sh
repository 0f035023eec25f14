#!/usr/bin/env bash
# Speed of `fdscope report` on a fleet: 1,000 dump files holding 1,000,000
# descriptor records, made from a real dump of the demo. Prints the time.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
files=${FILES:-1000}
records=${RECORDS:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
FDSCOPE_OPTIONS="at_exit=1:log=none:output=$work/template.jsonl" \
  LD_PRELOAD="$build/lib/libfdscope.so" "$build/bin/fdscope-demo" >/dev/null
mkdir "$work/fleet"
python3 "$top/bench/make_fleet.py" "$work/template.jsonl" "$work/fleet" "$files" "$records"
echo "fleet: $files files, $records fd records, $(du -sh "$work/fleet" | cut -f1)"
cat "$work"/fleet/* >/dev/null  # page cache warm, as for any second look
start=$(date +%s.%N)
"$build/bin/fdscope" report "$work"/fleet/*.jsonl >/dev/null
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "fdscope report: %.2f s\n", e - s }'
