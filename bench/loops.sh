#!/usr/bin/env bash
# The hot path: descriptor create/release loops ~15 frames deep
# (fdscope-bench-loop), plain and preloaded, alternating ROUNDS rounds, and
# the peers (valgrind --track-fds=yes; strace -f -e trace=desc pinned to one
# CPU) on the same loops with fewer iterations, alternating with plain.
#
#   bench/loops.sh [KIND...]       ROUNDS=7 PEER_ROUNDS=3 SCALE=1 PEERS=1
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
rounds=${ROUNDS:-7}
peer_rounds=${PEER_ROUNDS:-3}
loop=$bin/fdscope-bench-loop
declare -A label=([open]="open+close" [socket]="socket+close" [pipe2]="pipe2+close+close"
  [unix]="unix connect+accept4+close+close" [dup]="dup+close")
declare -A iters=([open]=300000 [socket]=200000 [pipe2]=200000 [unix]=50000 [dup]=300000)
declare -A target=([open]="<= 1.20x" [socket]="<= 1.10x" [pipe2]="<= 1.15x")

peers() {  # KIND -> "valgrind NNx, strace NNx" (ratios of ns per iteration to plain)
  local out n; n=$(scaled 10000)
  out=$(alternate -r "$peer_rounds" -c plain "" \
    -c valgrind "valgrind -q --track-fds=yes --log-file=/dev/null" \
    -c strace "taskset -c 0 strace -f -e trace=desc -o /dev/null" -- "$loop" "$1" "$n")
  echo "$1, $n iterations, peers: $(echo $out)" >&2
  printf 'valgrind %.3gx, strace %.3gx' "$(field valgrind 3 <<<"$out")" "$(field strace 3 <<<"$out")"
}

kinds=("$@"); [ $# -gt 0 ] || kinds=(open socket pipe2 unix dup)
for k in "${kinds[@]}"; do
    n=$(scaled "${iters[$k]}")
    echo "== $k: ${label[$k]}, $n iterations, $rounds rounds" >&2
    out=$(alternate -r "$rounds" -c plain "" -c fdscope "$FDSCOPE_ENV" -- "$loop" "$k" "$n")
    p=$(field plain 2 <<<"$out"); f=$(field fdscope 2 <<<"$out"); r=$(field fdscope 3 <<<"$out")
    t=${target[$k]:-}
    peer=""; [ "${PEERS:-1}" = 1 ] && peer=$(peers "$k")
    row "${label[$k]}" "$(printf '%.0f ns' "$p")" "$(printf '%.0f ns' "$f")" \
      "$(printf '%.2fx' "$r")" "$(tgt "$r" "$t")" "$peer"
done
