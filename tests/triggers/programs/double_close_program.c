/* Opens a file in open_config, closes it in cleanup and again in
 * cleanup_again (a double close), then closes descriptor 999, which it
 * never opened; with a second argument `twice` (or a number N), does the
 * double close again from the same places (N times in all). Reports each
 * close() result on stdout, unbuffered. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void say_close(const char* what, int fd, int rc, int err) {
  char line[128];
  int n = snprintf(line, sizeof(line), "%s fd=%d rc=%d errno=%s\n", what, fd, rc,
                   rc == 0 ? "0" : err == EBADF ? "EBADF" : strerror(err));
  if (write(1, line, (size_t)n) != n) _exit(99);
}

__attribute__((noinline)) int open_config(const char* path) { return open(path, O_RDONLY); }

__attribute__((noinline)) int cleanup(int fd) { return close(fd); }

__attribute__((noinline)) int cleanup_again(int fd) { return close(fd); }

__attribute__((noinline)) static int double_close(const char* path) {
  int fd = open_config(path);
  if (fd < 0) return 3;
  errno = 0;
  int rc = cleanup(fd);
  say_close("first", fd, rc, errno);
  errno = 0;
  rc = cleanup_again(fd);
  say_close("second", fd, rc, errno);
  return 0;
}

int main(int argc, char** argv) {
  int rounds = argc == 2 ? 1 : argc == 3 && strcmp(argv[2], "twice") == 0 ? 2 : argc == 3 ? atoi(argv[2]) : 0;
  if (rounds < 1) return 2;
  for (int round = 0; round < rounds; ++round)
    if (double_close(argv[1]) != 0) return 3;
  errno = 0;
  int rc = close(999);
  say_close("never-opened", 999, rc, errno);
  return 0;
}
