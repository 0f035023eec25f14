// SPDX-License-Identifier: MIT
// Built -static: no dynamic linker, nothing to load a library into. Prints
// "tick N" every 10 ms until killed.
#include <stdio.h>
#include <time.h>

int main(void) {
  for (int n = 0;; ++n) {
    printf("tick %d\n", n);
    fflush(stdout);
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
}
