#!/usr/bin/env bash
# Requests/s of a Node.js HTTP server (bench/node_http_server.js, node's own
# http module on 127.0.0.1) under load from a separate client process
# (bench/node_http_client.js, never under the library): plain, under the
# library with lang=off, and with lang=auto (JavaScript stacks across async
# hops), alternating rounds; prints the medians of requests/s and of the
# server's CPU time per request (the steadier of the two on a shared
# machine), and the differences to plain.
#
#   bench/node_http.sh            # ROUNDS=5 SECONDS_PER_ROUND=3 CONNECTIONS=16
#
# Bounded: ROUNDS x 3 configurations x (1 s warm-up + SECONDS_PER_ROUND).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
lib=${BUILD_DIR:-$top/build}/lib/libfdscope.so
node=${NODE:-node}
rounds=${ROUNDS:-5}
secs=${SECONDS_PER_ROUND:-3}
conns=${CONNECTIONS:-16}
[ -f "$lib" ] || { echo "no $lib: build first (scripts/build.sh)" >&2; exit 2; }
[ -f "$(dirname "$lib")/fdscope/node/fdscope_node.node" ] || echo "warning: no Node.js addon beside $lib" >&2

tmp=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# One round: start the server (under the given environment), load it, stop it.
round() {
  local mode=$1
  local -a envs=(env -u LD_PRELOAD -u FDSCOPE_OPTIONS -u NODE_OPTIONS)
  case $mode in
    off) envs+=(LD_PRELOAD="$lib" FDSCOPE_OPTIONS="lang=off:log=none:output=$tmp/d.%p.jsonl") ;;
    auto) envs+=(LD_PRELOAD="$lib" FDSCOPE_OPTIONS="lang=auto:log=none:output=$tmp/d.%p.jsonl") ;;
  esac
  rm -f "$tmp/port"
  "${envs[@]}" "$node" "$top/bench/node_http_server.js" >"$tmp/port" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  [ -s "$tmp/port" ] || { echo "server ($mode) did not start" >&2; exit 1; }
  env -u LD_PRELOAD -u NODE_OPTIONS "$node" "$top/bench/node_http_client.js" "$(cat "$tmp/port")" "$conns" 1 "$secs" "$server_pid"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  server_pid=
}

declare -A rps cpu
for r in $(seq "$rounds"); do
  line="round $r:"
  for mode in plain off auto; do
    read -r q c < <(round "$mode")
    rps[$mode]+="$q "; cpu[$mode]+="$c "
    line+="  $mode $q req/s $c us/req"
  done
  echo "$line" >&2
done
median() { printf '%s\n' $@ | sort -g | sed -n "$(( ($(printf '%s\n' $@ | wc -l) + 1) / 2 ))p"; }
pct() { awk -v p="$1" -v s="$2" 'BEGIN { printf "%+.1f%%", (s / p - 1) * 100 }'; }
pq=$(median ${rps[plain]}); pc=$(median ${cpu[plain]})
printf 'Node.js %s HTTP server, %d keep-alive connections, %d s per round, median of %d rounds\n' \
  "$("$node" --version)" "$conns" "$secs" "$rounds"
printf '  %-20s %8s %10s   %s\n' "" "req/s" "us/req" "vs plain (req/s, server CPU per request)"
for mode in plain off auto; do
  q=$(median ${rps[$mode]}); c=$(median ${cpu[$mode]})
  label=$mode; [ "$mode" = plain ] || label="fdscope lang=$mode"
  printf '  %-20s %8d %10.1f   %s %s\n' "$label" "$q" "$c" "$(pct "$pq" "$q")" "$(pct "$pc" "$c")"
done
