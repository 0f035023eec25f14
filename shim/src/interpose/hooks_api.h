// SPDX-License-Identifier: MIT
/* The interface between the interposers (the interpose/ hook files) and the shim's core:
 * a small C API in the manner of heaptrack's libheaptrack.h. Every function
 * keeps the host's errno and is safe in a signal handler. */
#pragma once

#include <sys/socket.h>

#include "platform/dynamic_symbols.h"
#include "state/calls.h"

#ifdef __cplusplus
extern "C" {
#endif


void fdscope_init(void);
unsigned long long fdscope_now_ns(void);

/* Descriptor fd (>= 0) was created by `call`; ignored if fd < 0. */
void fdscope_created(int fd, enum fdscope_call call, int flags);
/* Both descriptors of a pair (pipe, socketpair): one call, one stack. */
void fdscope_created_pair(const int fds[2], enum fdscope_call call, int flags);
/* As above, unless fd is already tracked as open (fdopendir adopts one). */
void fdscope_adopted(int fd, enum fdscope_call call);
/* A creating call failed: looks at errno for EMFILE/ENFILE. */
void fdscope_create_failed(enum fdscope_call call);
/* A call that opens descriptors inside glibc (getaddrinfo, getpwnam...)
 * failed with error number err; EMFILE/ENFILE trigger a dump. */
void fdscope_failed_with(enum fdscope_call call, int err);

/* The dump signal as the program sees it. sigaction()/signal() on it ask
 * here first: FDSCOPE_SIG_PASS (not ours: call glibc as is),
 * FDSCOPE_SIG_DONE (answered: the program asked for the default action,
 * which the library's handler stands in for, or only queried; `old` is
 * filled), FDSCOPE_SIG_INSTALL (the program installs its own handler or
 * ignores the signal: `old` is filled, call glibc with old = NULL). */
enum fdscope_sig_decision { FDSCOPE_SIG_PASS, FDSCOPE_SIG_DONE, FDSCOPE_SIG_INSTALL };
struct sigaction;
enum fdscope_sig_decision fdscope_signal_filter(int sig, const struct sigaction* act,
                                                struct sigaction* old);
/* `caller`: the return address of the interposer (the code that closed),
 * recorded in place of a stack unless the descriptor's site has shown a
 * double close (see track/tracker.cpp). */
/* Returns 1 when fd is one of the library's own descriptors (given up now):
 * the close is done, but fails with EBADF towards the host, as it would
 * without the library, where that number is not open. */
int fdscope_closing(int fd, const void* caller);
void fdscope_close_result(int fd, int rc);
/* Descriptors in [first, last] created before began_ns were closed. */
void fdscope_closed_range(unsigned first, unsigned last, unsigned long long began_ns);
void fdscope_connect(int fd, const struct sockaddr* addr, socklen_t len);
void fdscope_received(const struct msghdr* msg, enum fdscope_call call);

#ifdef __cplusplus
}
#endif
