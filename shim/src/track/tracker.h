// SPDX-License-Identifier: MIT
// Recording what the interposers report: descriptors created, closed,
// connected, received. Each function keeps the host's errno, is safe to call
// from a signal handler, and does nothing when reached from inside the
// library itself. The interposers reach these through the gate in
// interpose/hooks_api.cpp, which owns when they are called.
#pragma once

#include <stdint.h>
#include <sys/socket.h>

#include "state/calls.h"

namespace fdscope {

// A call created descriptor fd (ignored if fd < 0).
void on_created(int fd, Call call, int flags);
// Both descriptors of one pipe/socketpair call, with one stack capture.
void on_created_pair(const int fds[2], Call call, int flags);
// fd was taken over by `call` (fdopendir): recorded only if not tracked.
void on_adopted(int fd, Call call);
// A creating call failed with err (EMFILE/ENFILE matter).
void on_failed_with(Call call, int err);
// The host is about to close fd; `caller` is the return address into the
// code that called close (or fclose, closedir...). True when fd is one of
// the library's own descriptors, which it gives up: without the library
// that number would not be open (the close should fail with EBADF).
bool on_closing(int fd, uintptr_t caller);
// close(fd) returned rc with errno err.
void on_close_result(int fd, int rc, int err);
// [first, last] were closed by a call that began at began_mono_ns.
void on_closed_range(unsigned first, unsigned last, uint64_t began_mono_ns);
// connect(fd, addr) was attempted.
void on_connect(int fd, const struct sockaddr* addr, socklen_t len);
// recvmsg/recvmmsg received a message; records SCM_RIGHTS descriptors.
void on_received(const struct msghdr* msg, Call call);
// Records the language stack of open tracked fd, unless it has one.
void attribute_lang_stack(int fd, uint32_t stack);

// Live count of tracked open descriptors (approximate between dumps).
long tracked_open();

// Forgets every open record (fdscope detach: what is open from then on is
// untracked).
void forget_all();

}  // namespace fdscope
