#!/usr/bin/env bash
# The layer's library on an older glibc: loads it into bash inside a Debian
# 11 root (glibc 2.31, older than Amazon Linux 2023's 2.34) and checks the
# dump it writes there. Needs root (chroot, mounting /proc).
# Usage: check_old_glibc.sh LIBFDSCOPE ROOT_DIR
set -euo pipefail
lib=$1
root=$2
here=$(cd "$(dirname "$0")" && pwd)
"$here/make-old-root.sh" "$root"
echo "root: $(chroot "$root" /lib/x86_64-linux-gnu/libc.so.6 | head -1)"

mkdir -p "$root/opt/lib" "$root/proc"
cp "$lib" "$root/opt/lib/libfdscope.so"
out=$(mktemp -d "$root/tmp/fdscope-compat.XXXXXX")
inside=${out#"$root"}
mounted=0
if ! mountpoint -q "$root/proc"; then mount -t proc proc "$root/proc"; mounted=1; fi
cleanup() { [ "$mounted" = 1 ] && umount "$root/proc"; rm -rf "$out"; }
trap cleanup EXIT

status=0
timeout 60 chroot "$root" /usr/bin/env LD_PRELOAD=/opt/lib/libfdscope.so \
  FDSCOPE_OPTIONS="at_exit=1:log=none:output=$inside/dump.%p.jsonl" \
  /bin/bash -c 'exec 7</etc/hostname; exec 8</etc/passwd; echo ran' >"$out/stdout" || status=$?
[ "$status" = 0 ] || { echo "FAIL: bash under the library exited $status"; exit 1; }
[ "$(cat "$out/stdout")" = ran ] || { echo "FAIL: stdout changed: $(cat "$out/stdout")"; exit 1; }

/usr/bin/python3 - "$out" <<'PY'
import glob, json, sys
files = glob.glob(sys.argv[1] + "/dump.*.jsonl")
assert len(files) == 1, f"expected one dump file, got {files}"
lines = [json.loads(l) for l in open(files[0])]
types = [l["type"] for l in lines]
assert types[0] == "header" and types[-1] == "end", f"incomplete dump: {types}"
h = lines[0]
assert h["reason"] == "exit" and h["exe"] == "/usr/bin/bash", h
fds = {l["fd"]: l for l in lines if l["type"] == "fd"}
for fd, target in ((7, "/etc/hostname"), (8, "/etc/passwd")):
    r = fds.get(fd)
    assert r and r["tracked"] and r["kind"] == "file" and r["target"] == target, (fd, r)
    assert r["call"] == "dup2", r  # bash opens, then dup2()s onto the number
    stacks = {l["id"]: l for l in lines if l["type"] == "stack"}
    assert r["stack"] in stacks and stacks[r["stack"]]["frames"], r
assert all(fds[fd]["tracked"] is False for fd in (0, 1, 2)), "stdio must be untracked"
print(f"OK: glibc 2.31 root, complete dump with {len(fds)} descriptors, fds 7 and 8 tracked")
PY
