#!/usr/bin/env bash
# Checks that a libfdscope.so can load on AWS Lambda's Amazon Linux: it needs
# no library but glibc's, no glibc symbol version newer than MAX (default
# 2.34, Amazon Linux 2023), and no libstdc++ versions (GLIBCXX_/CXXABI_).
# Usage: check-layer-lib.sh LIB [MAX_GLIBC_MINOR]
set -euo pipefail
lib=$1
max_minor=${2:-34}
fail=0
needed=$(readelf -d "$lib" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
for n in $needed; do
  case "$n" in
    libc.so.6|libm.so.6|libdl.so.2|libpthread.so.0|ld-linux-x86-64.so.2|ld-linux-aarch64.so.1) ;;
    *) echo "check-layer-lib: $lib needs $n (only glibc's libraries are allowed)"; fail=1 ;;
  esac
done
versions=$(readelf -V --dyn-syms "$lib" | grep -o 'GLIBC_2\.[0-9]*\|GLIBCXX_[0-9.]*\|CXXABI_[0-9.]*' | sort -u)
for v in $versions; do
  case "$v" in
    GLIBC_2.*)
      minor=${v#GLIBC_2.}
      if [ "$minor" -gt "$max_minor" ]; then
        echo "check-layer-lib: $lib references $v, newer than GLIBC_2.$max_minor"
        readelf --dyn-syms "$lib" | grep "@$v" | awk '{print "  " $8}' | head -20
        fail=1
      fi ;;
    *) echo "check-layer-lib: $lib references $v (libstdc++ must not be needed)"; fail=1 ;;
  esac
done
newest=$(printf '%s\n' $versions | grep '^GLIBC_' | sort -t. -k2 -n | tail -1)
[ "$fail" -eq 0 ] && echo "check-layer-lib: $lib: needs [$(echo $needed)], newest symbol version $newest: OK"
exit $fail
