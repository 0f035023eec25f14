/* Memory for many open descriptors: opens N descriptors of /dev/null from
 * SITES distinct call stacks (bench/sites.h), then prints the process's
 * resident set (VmRSS of /proc/self/status, kB). bench/memory.sh runs it
 * plain and preloaded at two N; the difference is the library's. Needs
 * RLIMIT_NOFILE above N.
 *
 *   fdscope-bench-hold N [SITES] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sites.h"

static int open_null(void* unused) {
  (void)unused;
  return open("/dev/null", O_RDONLY);
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10000, sites = argc > 2 ? atoi(argv[2]) : 1000;
  for (int i = 0; i < n; ++i)
    if (at_site(i % sites, open_null, NULL) < 0) {
      perror("hold: open");
      return 1;
    }
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) printf("%ld\n", atol(line + 6));
  return 0;
}
