#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang into build-fuzz/ and runs
# each, one after the other, for SECONDS (default 60):
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (targets: fuzz/CMakeLists.txt)
#
# Each target first replays its committed inputs once, the seeds
# (fuzz/corpus/TARGET) and the reproducers of fixed findings
# (fuzz/regressions/TARGET), then fuzzes from them; what it finds new is
# kept in build-fuzz/corpus/TARGET for the next run. A crash, a sanitizer
# report or a broken invariant stops the run: the input is saved in
# build-fuzz/artifacts/TARGET/ and the script fails naming it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
seconds=${1:-60}
[ $# -gt 0 ] && shift
all=(options sockaddr elf_image json_string dump_reader report)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

build=build-fuzz
if [ ! -f "$build/build.ninja" ]; then
  CC=${FUZZ_CC:-clang-14} CXX=${FUZZ_CXX:-clang++-14} cmake -S . -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFDSCOPE_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
fi
cmake --build "$build" -j2 --target fuzzers

status=0
for t in "${targets[@]}"; do
  bin=$build/fuzz/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz: no target '$t' (have: ${all[*]})" >&2; exit 2; }
  seeds=fuzz/corpus/$t regressions=fuzz/regressions/$t
  work=$build/corpus/$t artifacts=$build/artifacts/$t log=$build/logs/$t.log
  mkdir -p "$work" "$artifacts" "$build/logs"
  committed=("$seeds")
  [ -d "$regressions" ] && committed+=("$regressions")
  opts=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" -print_final_stats=1)
  [ -f "fuzz/dicts/$t.dict" ] && opts+=(-dict="fuzz/dicts/$t.dict")
  start=$(date +%s)
  if ! "$bin" "${opts[@]}" -runs=0 "${committed[@]}" >"$log" 2>&1 ||
     ! "$bin" "${opts[@]}" -max_total_time="$seconds" "$work" "${committed[@]}" >>"$log" 2>&1; then
    echo "fuzz_$t: FAILED after $(( $(date +%s) - start )) s; input and report:" >&2
    ls -t "$artifacts" | head -1 | sed "s|^|  $artifacts/|" >&2
    grep -E 'ERROR|SUMMARY|fuzz_[a-z_]+: ' "$log" | head -5 | sed 's/^/  /' >&2
    status=1
    continue
  fi
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
  echo "fuzz_$t: ok, ${runs:-0} runs in $(( $(date +%s) - start )) s ($cov)"
done
exit $status
