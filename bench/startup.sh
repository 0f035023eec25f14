#!/usr/bin/env bash
# Start-up cost: wall time of RUNS runs in a row of a command that does
# nothing (a C true-like program, node -e 0, python3 -c pass), plain and
# preloaded (the library's defaults), alternating ROUNDS rounds; prints the
# milliseconds added per run (median of the per-round differences). For
# node and python3 with lang=off too: the defaults (lang=auto) add the
# language runtimes' stacks, for node a preload script and its addon.
#
#   bench/startup.sh               ROUNDS=7 RUNS=20 NODE=node PYTHON=/usr/bin/python3
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
node=${NODE:-node}; py=${PYTHON:-/usr/bin/python3}
one() {  # LABEL EXTRA-CONFIG COMMAND...
  local label=$1 extra=$2 out d note=""; shift 2
  echo "== start-up: $label, ${RUNS:-20} runs per round, ${ROUNDS:-7} rounds, ms per run" >&2
  out=$(alternate -r "${ROUNDS:-7}" --wall "${RUNS:-20}" -c plain "" -c fdscope "$FDSCOPE_ENV" \
    ${extra:+-c "$extra" "LD_PRELOAD=$lib FDSCOPE_OPTIONS=log=none:$extra"} -- "$@")
  echo "$out" >&2
  d=$(field fdscope 4 <<<"$out")
  [ -z "$extra" ] || note=$(printf 'fdscope %s %+.2f ms' "$extra" "$(field "$extra" 4 <<<"$out")")
  row "start-up, $label" "$(printf '%.2f ms' "$(field plain 2 <<<"$out")")" \
    "$(printf '%.2f ms' "$(field fdscope 2 <<<"$out")")" "$(printf '%+.2f ms' "$d")" \
    "< 1 ms added: $(meets "$d" "<" 1)" "$note"
}
one "C true-like program" "" "$bin/fdscope-bench-true"
one "node -e 0" lang=off "$node" -e 0
one "python3 -c pass" lang=off "$py" -c pass
