#!/usr/bin/env bash
# The README's second command: builds and runs every test (unit, preload
# integration, end-to-end) with CTest.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/build.sh"
cd "$top"
ctest --test-dir build --output-on-failure --timeout 300 -j2 "$@"
