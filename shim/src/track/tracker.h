// What the interposers report to: the shim's state behind a small API, in
// the manner of heaptrack's libheaptrack.h. Each function keeps the host's
// errno, is safe to call from a signal handler, and does nothing when
// reached from inside the shim itself.
#pragma once

#include <stdint.h>
#include <sys/socket.h>

#include "calls.h"

namespace fdscope {

// Start-up: options, unwinder, triggers. Idempotent and cheap once done;
// called by the library constructor and by any hook that runs before it.
void ensure_init();
bool initialized();

// A call created descriptor fd (ignored if fd < 0).
void on_created(int fd, Call call, int flags);
// fd was taken over by `call` (fdopendir): recorded only if not tracked.
void on_adopted(int fd, Call call);
// A creating call failed; errno is the host's (EMFILE/ENFILE matter).
void on_create_failed(Call call);
void on_failed_with(Call call, int err);
// The host is about to close fd.
void on_closing(int fd);
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

// Descriptors the shim holds itself (excluded from dumps; forgotten when the
// host closes them).
bool is_own_fd(int fd);
void add_own_fd(int fd);
void drop_own_fd(int fd);
// Lists them (up to max); returns how many there are.
int list_own_fds(int* out, int max);

// Live count of tracked open descriptors (approximate between dumps).
long tracked_open();

// False in a child of vfork() that has not exec'd yet: it runs in its
// parent's memory, so what it opens, duplicates and closes (a subprocess
// setting up its stdio and closing every other descriptor) must not be
// recorded in, or removed from, the parent's table. On x86_64 a thread-local
// flag set by the vfork interposer (vfork_hook.c); elsewhere a getpid()
// comparison. (glibc's posix_spawn uses internal calls, which never reach
// the hooks.)
bool owns_process();
// The atfork child handler: the new process owns its copy of the state.
void tracker_after_fork();

}  // namespace fdscope
