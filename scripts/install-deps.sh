#!/usr/bin/env bash
# Installs everything fdscope needs to build and test, from Debian's archive
# (and npm, for the JavaScript test fixtures), then fetches libunwind's source.
# chromium (headless) is only for the html report's test (tool_html), which
# skips, saying so, without it. clang-14 with libclang-rt-14-dev (libFuzzer
# and clang's sanitizer runtimes, only recommended by clang) and llvm-14
# (llvm-symbolizer, for readable reports) build and run the fuzzers
# (scripts/fuzz.sh); the sanitizer builds use GCC's runtimes.
# Safe to run again: installed packages are skipped.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake ninja-build pkg-config dpkg-dev file
  libfmt-dev libsimdjson-dev nlohmann-json3-dev libdw-dev libelf-dev libiberty-dev
  libgtest-dev libgmock-dev
  python3 nodejs procps debootstrap
  mariadb-server autoconf automake libtool
  chromium
  # tests/real (README "Real programs"): the programs run plain and preloaded.
  # nginx's package starts the system's nginx on port 80 where services start
  # on install; the tests never use it (they run their own on 127.0.0.1).
  mariadb-client nginx wrk curl libpython3.11-testsuite openjdk-17-jdk-headless
  sqlite3 git make tar gzip
  clang-14 libclang-rt-14-dev llvm-14
)
sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}
install_missing "${packages[@]}"
# The Lambda tests build aws-lambda-ric's addon against /usr/include/node:
# NodeSource's nodejs ships those headers; with Debian's own nodejs they are
# in libnode-dev (which conflicts with NodeSource's package: only if missing).
[ -f /usr/include/node/node_version.h ] || install_missing libnode-dev
command -v npm >/dev/null || install_missing npm
if [ "$(id -u)" -ne 0 ]; then
  sudo "$top/scripts/fetch-libunwind.sh"
  sudo chown -R "$(id -u):$(id -g)" "$top/third_party"
else
  "$top/scripts/fetch-libunwind.sh"
fi
# The Lambda tests' function: aws-lambda-ric and mysql2 from npm.
"$top/tests/lambda/setup.sh"
# The fleet query tests' DuckDB (docs/fleet-queries.md): @duckdb/node-api from npm.
"$top/tests/fleet/setup.sh"
