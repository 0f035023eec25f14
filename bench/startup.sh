#!/usr/bin/env bash
# Start-up cost: wall time of RUNS runs in a row of a command that does
# nothing (a C true-like program, node -e 0, python3 -c pass), plain and
# preloaded (the library's defaults), alternating ROUNDS rounds; prints the
# milliseconds added per run (median of the per-round differences).
#
#   bench/startup.sh               ROUNDS=7 RUNS=20 NODE=node PYTHON=/usr/bin/python3
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
node=${NODE:-node}; py=${PYTHON:-/usr/bin/python3}
one() {  # LABEL COMMAND...
  local label=$1 out; shift
  echo "== start-up: $label, ${RUNS:-20} runs per round, ${ROUNDS:-7} rounds, ms per run" >&2
  out=$(alternate -r "${ROUNDS:-7}" --wall "${RUNS:-20}" -c plain "" -c fdscope "$FDSCOPE_ENV" -- "$@")
  local d; d=$(field fdscope 4 <<<"$out")
  row "start-up, $label" "$(printf '%.2f ms' "$(field plain 2 <<<"$out")")" \
    "$(printf '%.2f ms' "$(field fdscope 2 <<<"$out")")" "$(printf '%+.2f ms' "$d")" \
    "< 1 ms added: $(meets "$d" "<" 1)" ""
}
one "C true-like program" "$bin/fdscope-bench-true"
one "node -e 0" "$node" -e 0
one "python3 -c pass" "$py" -c pass
