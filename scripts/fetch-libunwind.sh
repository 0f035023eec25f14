#!/usr/bin/env bash
# Fetches libunwind's Debian source package into third_party/libunwind.
#
# Why from source: the shim links libunwind statically so that the library
# shipped in the Lambda layer needs nothing but glibc, and Debian's libunwind.a
# is not position-independent. The source comes from Debian's archive (the
# same release as the installed libunwind-dev), with Debian's patches applied.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/third_party/libunwind"
[ -x "$dest/configure" ] && exit 0

# apt-get source needs deb-src entries; derive them from the machine's own
# deb entries (a file of our own: the system's lists stay untouched).
if ! apt-get source --print-uris -qq libunwind >/dev/null 2>&1; then
  src=/etc/apt/sources.list.d/fdscope-deb-src.sources
  for f in /etc/apt/sources.list.d/*.sources; do
    [ "$f" = "$src" ] && continue
    grep -q '^Types: deb$' "$f" && sed 's/^Types: deb$/Types: deb-src/' "$f"
    echo
  done > "$src"
  apt-get update -qq
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source -qq libunwind >/dev/null 2>&1) || {
  echo "fetch-libunwind: 'apt-get source libunwind' failed (needs dpkg-dev and a deb-src entry)" >&2
  exit 1
}
mkdir -p "$top/third_party"
rm -rf "$dest"
mv "$work"/libunwind-*/ "$dest"
echo "fetch-libunwind: source in $dest"
