#!/usr/bin/env bash
# The README's first command: installs what fdscope needs, builds it, and
# runs the demo (a program with two leaks) under `fdscope run`.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"
echo
echo "== build/bin/fdscope run -- build/bin/fdscope-demo"
cd "$top"
build/bin/fdscope run -- build/bin/fdscope-demo
