#!/usr/bin/env bash
# Speed of `fdscope report` on a fleet: FILES dump files holding RECORDS
# descriptor records in all, made from a real dump of the demo
# (bench/make_fleet.py); the page cache warm. Median of RUNS runs; prints
# records per second.
#
#   bench/report_fleet.sh [FILES RECORDS [TARGET]]   (default 1000 1000000)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
files=${1:-${FILES:-1000}}
records=${2:-${RECORDS:-1000000}}
target=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
FDSCOPE_OPTIONS="at_exit=1:log=none:output=$work/template.jsonl" \
  LD_PRELOAD="$lib" "$bin/fdscope-demo" >/dev/null
mkdir "$work/fleet"
python3 "$top/bench/make_fleet.py" "$work/template.jsonl" "$work/fleet" "$files" "$records"
echo "== report: fleet of $files files, $records fd records, $(du -sh "$work/fleet" | cut -f1)" >&2
cat "$work"/fleet/* >/dev/null  # page cache warm, as for any second look
times=()
for _ in $(seq "${RUNS:-3}"); do
  # bash's own clock: a `date` process on each side would add its start-up
  start=$EPOCHREALTIME
  "$bin/fdscope" report "$work"/fleet/*.jsonl >/dev/null
  end=$EPOCHREALTIME
  times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')")
done
echo "fdscope report: ${times[*]} s" >&2
t=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (${#times[@]} + 1) / 2 ))p")
awk -v f="$files" -v r="$records" -v t="$t" -v g="$target" 'BEGIN {
  rate = r / t / 1e6
  printf "report, %d files, %d records|—|%.2f s|%.2fM records/s|%s|\n", f, r, t, rate, \
    g == "" ? "—" : ">= " g "M records/s: " (rate >= g ? "yes" : "no") }'
