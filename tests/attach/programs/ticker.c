// SPDX-License-Identifier: MIT
// Opens DIR/0, DIR/1, ... DIR/(COUNT-1), one every 3 ms, from
// open_ticket(), and keeps them all open: each descriptor's target names
// when it was opened. Sleeps with nanosleep between them, and counts the
// sleeps that fail with EINTR (an attach must not cause any; the dump
// signal, SIGUSR2, is blocked during the sleeps and taken between them, as
// a signal handler would interrupt nanosleep whatever SA_RESTART says). Prints
// "ready" after the first 50, and "opened COUNT eintr E" at the end; exits 3.
// The soft descriptor limit is raised to the hard one (up to 4096) first.
//
//   ticker DIR COUNT
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int g_eintr;

__attribute__((noinline)) static int open_ticket(const char* dir, int i) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%d", dir, i);
  return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600); /* @line:open_ticket */
}

__attribute__((noinline)) static void pause_3ms(void) {
  sigset_t dump_signal, old;
  sigemptyset(&dump_signal);
  sigaddset(&dump_signal, SIGUSR2);
  sigprocmask(SIG_BLOCK, &dump_signal, &old);
  struct timespec ts = {0, 3000000};
  if (nanosleep(&ts, NULL) != 0 && errno == EINTR) ++g_eintr;
  sigprocmask(SIG_SETMASK, &old, NULL);
}

__attribute__((noinline)) static int run(const char* dir, int count) {
  int opened = 0;
  for (int i = 0; i < count; ++i) {
    if (open_ticket(dir, i) >= 0) ++opened; /* @line:run->open_ticket */
    if (i == 49) {
      printf("ready\n");
      fflush(stdout);
    }
    pause_3ms();
  }
  return opened;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max < 4096 ? lim.rlim_max : 4096;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  int opened = run(argv[1], atoi(argv[2]));
  printf("opened %d eintr %d\n", opened, g_eintr);
  return 3;
}
