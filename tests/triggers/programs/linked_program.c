/* A program linked against libfdscope.so (DT_NEEDED, absolute RUNPATH)
 * rather than preloaded: glibc ignores LD_PRELOAD paths in a setuid
 * program, but loads its own dependencies. The security tests run a
 * setuid copy of it. Leaks one open() of /dev/null and prints "ok". */
#include <fcntl.h>
#include <stdio.h>

int main(void) {
  int fd = open("/dev/null", O_RDONLY);
  printf("ok %d\n", fd >= 0);
  return 0;
}
