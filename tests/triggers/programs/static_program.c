/* A statically linked program: the dynamic loader never runs, so a preload
 * cannot load. Prints its arguments and exits with the status its first
 * argument gives. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) printf("arg %s\n", argv[i]);
  return argc > 1 ? atoi(argv[1]) : 0;
}
