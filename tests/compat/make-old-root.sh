#!/usr/bin/env bash
# Makes a minimal Debian 11 "bullseye" root (glibc 2.31, older than Amazon
# Linux 2023's 2.34) in DIR with debootstrap, from the mirror this machine's
# apt already uses. Reuses DIR when it is complete.
# Usage: make-old-root.sh DIR
set -euo pipefail
dir=$1
if [ -x "$dir/bin/sh" ] && [ -f "$dir/.fdscope-complete" ]; then exit 0; fi
command -v debootstrap >/dev/null || { echo "make-old-root: debootstrap is not installed" >&2; exit 1; }
mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(http[^ ]*debian\) .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -1)
[ -n "$mirror" ] || { echo "make-old-root: no Debian mirror found in apt's sources" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir"
debootstrap --variant=minbase bullseye "$dir" "$mirror" >"$dir.log" 2>&1 || {
  echo "make-old-root: debootstrap failed; see $dir.log" >&2
  tail -5 "$dir.log" >&2
  exit 1
}
touch "$dir/.fdscope-complete"
