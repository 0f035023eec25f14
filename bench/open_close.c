/* Per-call cost of the hot path: open("/dev/null") + close in a loop.
 * Prints nanoseconds per open+close pair; bench/run.sh runs it plain and
 * under libfdscope.so side by side. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  for (long i = 0; i < 10000; ++i) close(open("/dev/null", O_RDONLY)); /* warm-up */
  double t0 = now_ns();
  for (long i = 0; i < n; ++i) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0 || close(fd) != 0) return 1;
  }
  printf("%.1f\n", (now_ns() - t0) / n);
  return 0;
}
