#!/usr/bin/env bash
# Installs DuckDB for the fleet query tests (npm @duckdb/node-api, pinned
# with its engine in tests/fleet/package-lock.json) with `npm ci`, into
# tests/fleet/node_modules. The engine is a prebuilt binary inside a
# registry package (@duckdb/node-bindings-linux-x64, linux-arm64...), so
# nothing is compiled and nothing but the npm registry is contacted; its
# JSON reader is built in (no extension is downloaded at run time).
#
# Safe and fast to run again: when node_modules matches the lock file and
# this node, nothing is done. Run by scripts/install-deps.sh and by the
# fleet.npm_setup ctest fixture.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
node=${NODE:-$(command -v node || true)}
stamp="$here/node_modules/.fdscope-setup-stamp"

die() { echo "tests/fleet/setup.sh: $*" >&2; exit 1; }
[ -n "$node" ] && [ -x "$node" ] || die "node not found (Debian package nodejs)"
command -v npm >/dev/null || die "npm not found (it comes with Node.js)"

want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1) $("$node" --version) $node"
ready() {
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
    [ -f "$here/node_modules/@duckdb/node-api/package.json" ]
}
ready && { echo "tests/fleet/setup.sh: DuckDB up to date"; exit 0; }

# One installer at a time (CI may run this from two places).
exec 9>"${TMPDIR:-/tmp}/fdscope-fleet-setup.lock"
flock -w 600 9 || die "another setup.sh holds the lock for 10 minutes"
ready && { echo "tests/fleet/setup.sh: DuckDB up to date"; exit 0; }

echo "tests/fleet/setup.sh: npm ci in $here (@duckdb/node-api, about 70 MB)"
cd "$here"
export PATH="$(dirname "$node"):$PATH"
npm ci --no-audit --no-fund --loglevel=error
"$node" --input-type=module -e "
  import { DuckDBInstance } from '@duckdb/node-api';
  const c = await (await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' })).connect();
  await c.run(\"SELECT json_valid('{}')\");" ||
  die "the installed @duckdb/node-api does not load, or has no JSON reader"
echo "$want" > "$stamp"
echo "tests/fleet/setup.sh: done"
