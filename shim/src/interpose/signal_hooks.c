/* SPDX-License-Identifier: MIT */
/* Interposers: the dump signal. Programs that reset every signal to its
 * default at start-up (Node.js does) would remove the dump handler: a
 * request for the default action on the dump signal is answered without
 * touching the handler. A handler (or SIG_IGN) the program installs
 * replaces the library's. */
#include "interpose/hook_support.h"

#include <signal.h>
#include <string.h>

REAL_FN(sigaction)
HOOK int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  if (!real_sigaction()) NO_REAL(-1);
  switch (fdscope_signal_filter(sig, act, old)) {
    case FDSCOPE_SIG_DONE: return 0;
    case FDSCOPE_SIG_INSTALL: return real_sigaction()(sig, act, NULL);
    default: return real_sigaction()(sig, act, old);
  }
}

REAL_FN(signal)
HOOK sighandler_t signal(int sig, sighandler_t handler) {
  if (!real_signal()) NO_REAL(SIG_ERR);
  struct sigaction act, old;
  memset(&act, 0, sizeof(act));
  act.sa_handler = handler;
  switch (fdscope_signal_filter(sig, &act, &old)) {
    case FDSCOPE_SIG_DONE: return old.sa_handler;
    case FDSCOPE_SIG_INSTALL: real_signal()(sig, handler); return old.sa_handler;
    default: return real_signal()(sig, handler);
  }
}

/* The library constructor: tracking starts before main. */
__attribute__((constructor)) static void fdscope_constructor(void) { fdscope_init(); }
