#!/usr/bin/env bash
# The real-program suite (tests/real, README "Real programs"): builds, then
# runs each real program plain and with libfdscope.so preloaded and
# compares (ctest label `real`, one test per program family).
#
#   scripts/real-programs.sh           what CI runs (about 7 minutes on 2 cores)
#   scripts/real-programs.sh --long    more load, every CPython test module (about 17 minutes)
#
# Other arguments go to ctest (e.g. -R nginx). Needs the Debian packages of
# scripts/install-deps.sh (nginx, wrk, mariadb-server, libpython3.11-testsuite...).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
long=0
args=()
for a in "$@"; do
  case "$a" in
    --long) long=1 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
"$top/scripts/build.sh"
cd "$top"
start=$(date +%s)
status=0
FDSCOPE_REAL_LONG=$long ctest --test-dir build -L '^real$' --output-on-failure -V "${args[@]}" || status=$?
echo "real programs$([ "$long" = 1 ] && echo ' (--long)'): $(( $(date +%s) - start )) s" >&2
exit "$status"
