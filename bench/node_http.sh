#!/usr/bin/env bash
# Requests/s of a Node.js HTTP server (bench/node_http_server.js, node's own
# http module on 127.0.0.1) under load from a separate client process:
# plain, under the library with its defaults (lang=auto: JavaScript stacks
# across async hops) and with lang=off, alternating ROUNDS rounds of
# bench/node_http_round.sh; ratios are medians of per-round ratios. The
# server's CPU time per request is the steadier figure on a shared machine
# (client and server compete for the two cores): its ratio is shown too.
#
#   bench/node_http.sh             ROUNDS=7 SECONDS_PER_ROUND=3 CONNECTIONS=16
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
node=${NODE:-node}
[ -f "$build/lib/fdscope/node/fdscope_node.node" ] || echo "warning: no Node.js addon beside $lib" >&2
echo "== Node.js $("$node" --version) HTTP server, ${CONNECTIONS:-16} keep-alive connections," \
  "${SECONDS_PER_ROUND:-3} s per round, ${ROUNDS:-7} rounds: requests/s" >&2
configs=(-c plain "" -c fdscope "SERVER_PRELOAD=$lib SERVER_OPTIONS=log=none"
  -c lang_off "SERVER_PRELOAD=$lib SERVER_OPTIONS=log=none:lang=off")
rps=$(alternate -r "${ROUNDS:-7}" "${configs[@]}" -- "$top/bench/node_http_round.sh")
echo "$rps" >&2
r=$(field fdscope 3 <<<"$rps")
row "Node.js HTTP server (req/s, 16 connections)" "$(printf '%.0f/s' "$(field plain 2 <<<"$rps")")" \
  "$(printf '%.0f/s' "$(field fdscope 2 <<<"$rps")")" \
  "$(printf '%.3fx (server CPU per request %.3fx)' "$r" "$(field fdscope.1 3 <<<"$rps")")" \
  ">= 0.97x: $(meets "$r" ">=" 0.97)" \
  "$(printf 'fdscope lang=off %.3fx (CPU per request %.3fx)' "$(field lang_off 3 <<<"$rps")" "$(field lang_off.1 3 <<<"$rps")")"
