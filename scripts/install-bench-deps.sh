#!/usr/bin/env bash
# Installs what the benchmark suite (bench/suite.sh) needs beyond the build
# and test dependencies (scripts/install-deps.sh), from Debian's archive:
# nginx and wrk for the server workload, strace and valgrind for the peers
# and the instruction counts, util-linux for taskset. CI does not run the
# benchmarks, so CI does not install these. Safe to run again.
# nginx's package would start the system's nginx on port 80 where services
# start on install; the suite never uses it (it runs its own nginx with a
# temporary prefix on 127.0.0.1), so stop it if you do not want it.
set -euo pipefail
packages=(nginx wrk strace valgrind util-linux nodejs python3)
sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
