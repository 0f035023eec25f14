#!/usr/bin/env bash
# Installs the npm dependencies of the Lambda end-to-end tests' function
# (tests/lambda/function: aws-lambda-ric 3.3.0, the real AWS runtime
# interface client for Node.js, and mysql2) from its package-lock.json with
# `npm ci`, into tests/lambda/function/node_modules.
#
# aws-lambda-ric builds a native addon at install time (curl and
# aws-lambda-cpp from the tarballs in the package, then node-gyp), which
# needs cmake, make, g++, autoconf, automake, libtool and python3 (Debian
# packages, scripts/install-deps.sh) and the installed Node.js's headers
# (/usr/include/node): npm_config_nodedir=/usr makes node-gyp use them
# instead of downloading them. Nothing but the npm registry is contacted.
#
# Safe and fast to run again: when node_modules matches the lock file and
# this node, nothing is done. Run by scripts/install-deps.sh and by the
# lambda.npm_setup ctest fixture.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fn="$here/function"
node=${NODE:-$(command -v node || true)}
stamp="$fn/node_modules/.fdscope-setup-stamp"

die() { echo "tests/lambda/setup.sh: $*" >&2; exit 1; }
[ -n "$node" ] && [ -x "$node" ] || die "node not found (Debian package nodejs)"
command -v npm >/dev/null || die "npm not found (it comes with Node.js)"

want="$(sha256sum "$fn/package-lock.json" | cut -d' ' -f1) $("$node" --version) $node"
ready() {
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
    [ -f "$fn/node_modules/aws-lambda-ric/dist/rapid-client.node" ] &&
    [ -f "$fn/node_modules/mysql2/package.json" ]
}
ready && { echo "tests/lambda/setup.sh: npm dependencies up to date"; exit 0; }

# One installer at a time (CI may run this from two places).
exec 9>"${TMPDIR:-/tmp}/fdscope-lambda-setup.lock"
flock -w 900 9 || die "another setup.sh holds the lock for 15 minutes"
ready && { echo "tests/lambda/setup.sh: npm dependencies up to date"; exit 0; }

missing=()
for tool in cmake make g++ autoconf automake libtoolize python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] || die "missing build tools for aws-lambda-ric: ${missing[*]} (scripts/install-deps.sh)"

# node-gyp compiles against <nodedir>/include/node; they must be this node's.
nodedir=${npm_config_nodedir:-/usr}
hdr="$nodedir/include/node/node_version.h"
[ -f "$hdr" ] || die "$hdr not found: Node.js headers are needed to build aws-lambda-ric's addon"
hv=$(awk '/define NODE_(MAJOR|MINOR|PATCH)_VERSION/ {v = v (v ? "." : "") $3} END {print "v" v}' "$hdr")
[ "$hv" = "$("$node" --version)" ] || die "$hdr is $hv but node is $("$node" --version)"

echo "tests/lambda/setup.sh: npm ci in $fn (builds aws-lambda-ric's native addon, about 2 minutes)"
cd "$fn"
export npm_config_nodedir="$nodedir"
export PATH="$(dirname "$node"):$PATH"
npm ci --no-audit --no-fund --loglevel=error
[ -f node_modules/aws-lambda-ric/dist/rapid-client.node ] ||
  die "aws-lambda-ric's native addon was not built (did npm skip its install scripts?)"
"$node" --input-type=module -e "await import('mysql2/promise'); await import('aws-lambda-ric');" ||
  die "the installed modules do not load"
echo "$want" > "$stamp"
echo "tests/lambda/setup.sh: done"
