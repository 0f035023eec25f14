#!/usr/bin/env bash
# Builds the library and its unit, interposer, lifecycle and trigger tests
# (the multithreaded stress tests among them: threads through every family,
# fork storms, signal storms during opens, closes and dumps, dup2 and
# close_range races) under ASan+UBSan in build-asan/ and under TSan in
# build-tsan/, and runs them there. Any sanitizer report fails its test.
#
#   scripts/sanitize.sh [address|thread]...     (default: both)
#
# Other ctest arguments can follow `--`, e.g. `scripts/sanitize.sh thread -- -R Races`.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kinds=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do kinds+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#kinds[@]} -gt 0 ] || kinds=(address thread)

# Only what these tests need is built: the other suites run real programs
# (Node.js, Python, the Lambda emulator) whose own runtimes are not built
# for a sanitizer.
targets=(fdscope fdscope_unit_tests fdscope_hooks_test lifecycle_tests lifecycle_helper triggers_tests)
tests='^(unit\.|triggers\.|Lifecycle|Hooks)'
for kind in "${kinds[@]}"; do
  case "$kind" in
    address) dir=build-asan ;;
    thread) dir=build-tsan ;;
    *) echo "sanitize: '$kind': expected address or thread" >&2; exit 2 ;;
  esac
  echo "== $kind: $dir"
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFDSCOPE_SANITIZE="$kind" \
      -DFDSCOPE_SKIP_TEST_SUITES="e2e;compat;tool;lang;lambda;fleet" >/dev/null
  fi
  cmake --build "$dir" -j2 --target "${targets[@]}"
  ctest --test-dir "$dir" --output-on-failure --timeout 300 -j2 -R "$tests" "$@"
done
