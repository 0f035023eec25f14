#!/usr/bin/env bash
# The benchmark suite: builds what it needs (cmake --build), runs every
# workload (one driver each in bench/, all comparing plain and preloaded
# side by side in the same run: alternating rounds, medians), and prints
# the machine, the commit and one Markdown table on stdout:
#   workload | plain | fdscope | ratio | target | peers
# Each driver's details go to a log (stderr says where). Benchmarks print
# figures; they are not tests and never fail on a missed target.
#
#   bench/suite.sh [WORKLOAD...] > bench/RESULTS.md
#   WORKLOAD: loops threads instructions node nginx startup memory dump report
#   SCALE=0.1 shortens the loops for a quick look; BUILD_DIR=build
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
export BUILD_DIR=$build

missing=()
for c in cmake ninja python3 node valgrind strace taskset wrk timeout awk; do
  command -v "$c" >/dev/null || missing+=("$c")
done
[ -x "${NGINX:-/usr/sbin/nginx}" ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench/suite.sh: missing ${missing[*]}: scripts/install-bench-deps.sh installs them" \
    "(Debian packages nginx wrk strace valgrind util-linux nodejs python3; cmake ninja-build" \
    "from scripts/install-deps.sh)" >&2
  exit 2
fi

started=$(date +%s)
commit=$(git -C "$top" rev-parse HEAD 2>/dev/null || echo unknown)
git -C "$top" diff --quiet HEAD 2>/dev/null || commit+=" (with uncommitted changes)"
log=${LOG:-$(mktemp "${TMPDIR:-/tmp}/fdscope-bench.XXXXXX.log")}
echo "bench/suite.sh: building in $build; details in $log" >&2
[ -f "$build/build.ninja" ] || cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >>"$log" 2>&1
cmake --build "$build" -j2 >>"$log" 2>&1 || { echo "bench/suite.sh: build failed, see $log" >&2; exit 1; }

# workload -> driver and arguments, and a bound on its wall time (s)
declare -A cmd=([loops]="loops.sh" [threads]="threads.sh" [instructions]="instructions.sh"
  [node]="node_http.sh" [nginx]="nginx_http.sh" [startup]="startup.sh" [memory]="memory.sh"
  [dump]="dump_time.sh" [report]="report_fleet.sh 300 245000 3; report_fleet.sh 1000 1000000")
declare -A limit=([loops]=1200 [threads]=600 [instructions]=900 [node]=600 [nginx]=600
  [startup]=600 [memory]=300 [dump]=300 [report]=900)
order=(loops threads instructions node nginx startup memory dump report)
[ $# -eq 0 ] || order=("$@")
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for w in "${order[@]}"; do
  [ -n "${cmd[$w]:-}" ] || { echo "bench/suite.sh: no workload $w (${!cmd[*]})" >&2; exit 2; }
  t0=$(date +%s)
  IFS=';' read -ra parts <<<"${cmd[$w]}"
  for part in "${parts[@]}"; do
    read -ra words <<<"$part"
    echo "== bench/${words[*]}" >>"$log"
    if ! timeout "${limit[$w]}" "$top/bench/${words[0]}" "${words[@]:1}" >>"$rows" 2>>"$log"; then
      echo "$w (bench/${words[*]})|failed or timed out, see the log|||||" >>"$rows"
    fi
  done
  echo "bench/suite.sh: $w done in $(( $(date +%s) - t0 )) s" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cat <<EOF2
# fdscope benchmark results

Made by \`bench/suite.sh > bench/RESULTS.md\` (README "Benchmarks") on
$(date -u +%Y-%m-%d) in $(( ($(date +%s) - started + 30) / 60 )) minutes, at commit \`$commit\`.

Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),
$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), glibc $(getconf GNU_LIBC_VERSION | cut -d' ' -f2),
$(node --version | sed 's/^/Node.js /'), $(/usr/bin/python3 --version), $(${NGINX:-/usr/sbin/nginx} -v 2>&1 | sed 's/.*: //'),
$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(valgrind --version), $(strace -V | head -1 | sed 's/ -- version//').
A shared machine: other work runs on it at the same time (load average
$load_before before, $load_after after), so absolute times mean little and
only the ratios, each measured side by side in the same run (plain and
preloaded alternating, medians over rounds), are worth comparing.
"fdscope" is \`LD_PRELOAD=build/lib/libfdscope.so FDSCOPE_OPTIONS=log=none\`
(otherwise the defaults; threshold=0 for memory and dump). Loops are ~15
frames deep; times are per iteration. The peers ran on the same loops with
10,000 iterations: \`valgrind --track-fds=yes\` and
\`taskset -c 0 strace -f -e trace=desc -o /dev/null\`.

| workload | plain | fdscope | ratio | target | peers |
| --- | --- | --- | --- | --- | --- |
EOF2
awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$rows"
echo "bench/suite.sh: done in $(( $(date +%s) - started )) s" >&2
