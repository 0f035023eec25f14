/* Time to write a dump: opens N descriptors from SITES distinct call
 * stacks (bench/sites.h), then asks the preloaded library for dumps
 * (fdscope_dump) and prints the median time per dump in ms (last line).
 * Run under libfdscope.so with RLIMIT_NOFILE above N (bench/dump_time.sh).
 *
 *   fdscope-bench-dump-time [N] [SITES] [OUTPUT] */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sites.h"

static int open_null(void* unused) {
  (void)unused;
  return open("/dev/null", O_RDONLY);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  int fds = argc > 1 ? atoi(argv[1]) : 19000, sites = argc > 2 ? atoi(argv[2]) : 1000;
  const char* out = argc > 3 ? argv[3] : "/dev/null";
  int (*dump)(const char*) = (int (*)(const char*))dlsym(RTLD_DEFAULT, "fdscope_dump");
  if (!dump) {
    fprintf(stderr, "dump_time: run it with libfdscope.so preloaded\n");
    return 2;
  }
  for (int i = 0; i < fds; ++i)
    if (at_site(i % sites, open_null, NULL) < 0) {
      perror("dump_time: open");
      return 1;
    }
  double t[7];
  for (int r = 0; r < 7; ++r) {
    double t0 = now_ms();
    if (dump(out) != 0) perror("dump_time: fdscope_dump");
    t[r] = now_ms() - t0;
  }
  qsort(t, 7, sizeof(t[0]), cmp);
  fprintf(stderr, "dump of %d descriptors from %d call stacks: median %.1f ms (min %.1f, max %.1f)\n",
          fds, sites, t[3], t[0], t[6]);
  printf("%.2f\n", t[3]);
  return 0;
}
