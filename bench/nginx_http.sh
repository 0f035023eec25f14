#!/usr/bin/env bash
# Requests/s of Debian's nginx (2 worker processes, a small static file:
# each request opens and closes it) under load from wrk (a separate
# process, never preloaded) on 127.0.0.1: plain and with the whole nginx
# process tree preloaded (the master has LD_PRELOAD; its workers are forked
# from it, so the library is already mapped in them), alternating ROUNDS
# rounds of bench/nginx_round.sh; the ratio is the median of per-round
# ratios, and of the nginx processes' CPU time per request (steadier on a
# shared machine, where wrk and nginx compete for the two cores). Uses a
# temporary prefix and configuration, never the system's.
#
#   bench/nginx_http.sh            ROUNDS=7 SECONDS_PER_ROUND=5 CONNECTIONS=16
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
nginx=${NGINX:-/usr/sbin/nginx}
echo "== $("$nginx" -v 2>&1), 2 workers, wrk ${CONNECTIONS:-16} connections," \
  "${SECONDS_PER_ROUND:-5} s per round, ${ROUNDS:-7} rounds: requests/s" >&2
configs=(-c plain "" -c fdscope "SERVER_PRELOAD=$lib SERVER_OPTIONS=log=none")
rps=$(alternate -r "${ROUNDS:-7}" "${configs[@]}" -- "$top/bench/nginx_round.sh")
echo "$rps" >&2
r=$(field fdscope 3 <<<"$rps")
row "nginx, 2 workers, static file (req/s, wrk 16 connections)" \
  "$(printf '%.0f/s' "$(field plain 2 <<<"$rps")")" "$(printf '%.0f/s' "$(field fdscope 2 <<<"$rps")")" \
  "$(printf '%.3fx (server CPU per request %.3fx)' "$r" "$(field fdscope.1 3 <<<"$rps")")" \
  ">= 0.97x: $(meets "$r" ">=" 0.97)" ""
