#!/usr/bin/env bash
# One round of bench/nginx_http.sh: writes a configuration under a fresh
# temporary prefix (2 workers, 127.0.0.1 on a free port, one small static
# file, no access log), starts nginx in the foreground with
# LD_PRELOAD=$SERVER_PRELOAD and FDSCOPE_OPTIONS=$SERVER_OPTIONS (empty:
# plain), runs wrk for 1 s of warm-up and SECONDS_PER_ROUND, stops nginx;
# prints "requests/s CPU-us-per-request" (wrk's requests/s; user + system
# time of the master and its workers over the measured run, per request).
set -euo pipefail
nginx=${NGINX:-/usr/sbin/nginx}
p=$(mktemp -d)
chmod 755 "$p"  # workers run as nobody
nginx_pid=
cleanup() {
  if [ -n "$nginx_pid" ]; then kill -QUIT "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  rm -rf "$p"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir "$p/html" "$p/tmp"; chmod 755 "$p/html"
printf '<html><body>fdscope bench</body></html>\n' >"$p/html/index.html"
cat >"$p/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 2;
pid $p/nginx.pid;
error_log $p/error.log warn;
# Workers are forked, so a preloaded library is mapped in them already;
# these keep the variables in the workers' environment too.
env LD_PRELOAD;
env FDSCOPE_OPTIONS;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $p/tmp/body;
  proxy_temp_path $p/tmp/proxy;
  fastcgi_temp_path $p/tmp/fastcgi;
  uwsgi_temp_path $p/tmp/uwsgi;
  scgi_temp_path $p/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $p/html;
  }
}
CONF
env -u LD_PRELOAD -u FDSCOPE_OPTIONS ${SERVER_PRELOAD:+LD_PRELOAD="$SERVER_PRELOAD"} \
  ${SERVER_OPTIONS:+FDSCOPE_OPTIONS="$SERVER_OPTIONS:output=$p/tmp/d.%p.jsonl"} \
  "$nginx" -p "$p" -e "$p/error.log" -c "$p/nginx.conf" &
nginx_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done
url=http://127.0.0.1:$port/index.html
c=${CONNECTIONS:-16}
env -u LD_PRELOAD wrk -t1 -c"$c" -d1s "$url" >/dev/null
cpu_ticks() {  # user + system ticks of nginx and its workers
  local t=0 pid f
  for pid in "$nginx_pid" $(pgrep -P "$nginx_pid"); do
    f=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    set -- $f
    t=$(( t + ${12} + ${13} ))
  done
  echo "$t"
}
c0=$(cpu_ticks)
env -u LD_PRELOAD wrk -t1 -c"$c" -d"${SECONDS_PER_ROUND:-5}s" "$url" >"$p/wrk.out"
c1=$(cpu_ticks)
awk -v ticks=$(( c1 - c0 )) -v hz="$(getconf CLK_TCK)" '
  /Non-2xx|Socket errors/ { print "nginx_round: " $0 > "/dev/stderr" }
  / requests in / { n = $1 }
  /^Requests\/sec:/ { rps = $2 }
  END { printf "%s %.1f\n", rps, ticks / hz * 1e6 / n }' "$p/wrk.out"
