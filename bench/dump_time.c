/* Time to write a dump: opens N descriptors from SITES distinct call
 * stacks (bench/sites.h), then asks the preloaded library for dumps
 * (fdscope_dump) and prints the median time per dump in ms (last line).
 * Run under libfdscope.so with RLIMIT_NOFILE above N (bench/dump_time.sh).
 * With OUTPUT "floor", and without the library, it times instead what any
 * dump must ask the kernel for: the list of /proc/self/fd and a readlinkat
 * of each entry, the floor a dump's time is compared with.
 *
 *   fdscope-bench-dump-time [N] [SITES] [OUTPUT|floor] */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
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

/* The kernel's part of a dump: every entry of /proc/self/fd read and its
 * link resolved, as the library does it (getdents64, readlinkat relative
 * to the directory). */
static int kernel_floor(const char* unused) {
  (void)unused;
  int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -1;
  char buf[64 * 1024], target[4096];
  long n;
  while ((n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      struct dirent64* e = (struct dirent64*)(buf + off);
      off += e->d_reclen;
      if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
        (void)readlinkat(dir, e->d_name, target, sizeof target);
    }
  }
  close(dir);
  return n < 0 ? -1 : 0;
}

int main(int argc, char** argv) {
  int fds = argc > 1 ? atoi(argv[1]) : 19000, sites = argc > 2 ? atoi(argv[2]) : 1000;
  const char* out = argc > 3 ? argv[3] : "/dev/null";
  int (*dump)(const char*) = strcmp(out, "floor") == 0
                                 ? kernel_floor
                                 : (int (*)(const char*))dlsym(RTLD_DEFAULT, "fdscope_dump");
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
    if (dump(out) != 0) perror("dump_time: dump");
    t[r] = now_ms() - t0;
  }
  qsort(t, 7, sizeof(t[0]), cmp);
  fprintf(stderr, "dump of %d descriptors from %d call stacks: median %.1f ms (min %.1f, max %.1f)\n",
          fds, sites, t[3], t[0], t[6]);
  printf("%.2f\n", t[3]);
  return 0;
}
