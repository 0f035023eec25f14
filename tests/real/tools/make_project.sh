#!/bin/bash
# Generates a small C project in the current directory (24 sources, a
# static library, a program) and builds it with make -j2; prints the
# program's output and the digests of everything built (gcc, as and ld
# are deterministic for the same inputs at the same path), then a
# build that fails (a syntax error, make -k), with its exit status.
set -u
mkdir -p src include
for i in $(seq 1 24); do
  cat >"src/f$i.c" <<C
#include "f.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int f$i(int x) {
  char buf[64];
  snprintf(buf, sizeof buf, "%d-%d", x, $i);
  FILE* f = fopen("/dev/null", "w");
  if (f) { fputs(buf, f); fclose(f); }
  return (int)strlen(buf) * $i + x;
}
C
  echo "int f$i(int x);" >>include/f.h
done
{
  echo '#include "f.h"'
  echo '#include <stdio.h>'
  echo 'int main(void) { long s = 0;'
  for i in $(seq 1 24); do echo "  s += f$i($i);"; done
  echo '  printf("sum %ld\n", s); return 0; }'
} >src/main.c
cat >Makefile <<'MK'
CFLAGS = -O2 -Wall -Iinclude
LIBOBJS = $(patsubst src/%.c,obj/%.o,$(filter-out src/main.c,$(wildcard src/*.c)))
all: bin/prog
obj bin:
	mkdir -p $@
obj/%.o: src/%.c include/f.h | obj
	$(CC) $(CFLAGS) -c $< -o $@
obj/libf.a: $(LIBOBJS)
	$(AR) rcs $@ $^
bin/prog: obj/main.o obj/libf.a | bin
	$(CC) -o $@ obj/main.o obj/libf.a
broken: obj/broken.o
obj/broken.o: | obj
	printf 'int broken(void) { return 1 +; }\n' >obj/broken.c
	$(CC) $(CFLAGS) -c obj/broken.c -o $@
MK
make -j2 -s all
echo "make all: status $?"
./bin/prog
sha256sum obj/*.o obj/libf.a bin/prog
make -j2 -s all
echo "make all again (nothing to do): status $?"
make -j2 -k -s broken
echo "make broken: status $?"
