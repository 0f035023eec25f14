# Sourced by the benchmark drivers: paths, the alternation helper, and the
# row format bench/suite.sh collects into its table. Each driver prints its
# figures in detail on stderr and its table rows on stdout, one per line:
#   workload|plain|fdscope|ratio|target|peers
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD_DIR:-$top/build}
lib=$build/lib/libfdscope.so
bin=$build/bin
[ -f "$lib" ] || { echo "no $lib: build first (bench/suite.sh builds)" >&2; exit 2; }
# The library with its defaults, no summary line on stderr.
FDSCOPE_ENV="LD_PRELOAD=$lib FDSCOPE_OPTIONS=log=none"

alternate() { python3 "$top/bench/lib/alternate.py" "$@"; }
# field NAME COLUMN < alternate's output: 2 median, 3 ratio, 4 difference
field() { awk -v n="$1" -v c="$2" '$1 == n { print $c }'; }
row() { local IFS='|'; echo "$*"; }
# meets VALUE OP LIMIT -> "yes" or "no" (OP: <= < >=)
meets() { awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
  ok = op == "<=" ? v <= l : op == "<" ? v < l : v >= l; print ok ? "yes" : "no" }'; }
# tgt VALUE "OP LIMIT[x]" -> "OP LIMITx: yes|no", or — without a target
tgt() { [ -n "$2" ] || { echo "—"; return; }; local op=${2%% *} l=${2#* }; echo "$2: $(meets "$1" "$op" "${l%x}")"; }
# scaled N -> N x $SCALE (default 1; e.g. SCALE=0.1 for a quick look)
scaled() { awk -v n="$1" -v s="${SCALE:-1}" 'BEGIN { printf "%d", n * s }'; }
