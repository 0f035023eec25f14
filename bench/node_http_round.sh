#!/usr/bin/env bash
# One round of bench/node_http.sh: starts bench/node_http_server.js with
# LD_PRELOAD=$SERVER_PRELOAD and FDSCOPE_OPTIONS=$SERVER_OPTIONS (empty:
# plain), loads it for 1 s of warm-up + SECONDS_PER_ROUND from a separate
# client process (bench/node_http_client.js, never preloaded), stops it;
# prints "requests/s server-CPU-us-per-request".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
node=${NODE:-node}
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
env -u LD_PRELOAD -u FDSCOPE_OPTIONS -u NODE_OPTIONS ${SERVER_PRELOAD:+LD_PRELOAD="$SERVER_PRELOAD"} \
  ${SERVER_OPTIONS:+FDSCOPE_OPTIONS="$SERVER_OPTIONS:output=$tmp/d.%p.jsonl"} \
  "$node" "$top/bench/node_http_server.js" >"$tmp/port" &
server_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "node server did not start" >&2; exit 1; }
env -u LD_PRELOAD -u NODE_OPTIONS "$node" "$top/bench/node_http_client.js" "$(cat "$tmp/port")" \
  "${CONNECTIONS:-16}" 1 "${SECONDS_PER_ROUND:-3}" "$server_pid"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
server_pid=
