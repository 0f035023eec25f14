// SPDX-License-Identifier: MIT
// The gate between the interposers and the core: the C API of hooks_api.h,
// and the public API of fdscope.h. Every entry passes enter(), the one
// place that decides whether a call is recorded.
#include "interpose/hooks_api.h"

#include <errno.h>

#include "dump/dump.h"
#include "platform/sys.h"
#include "fdscope.h"
#include "platform/load_order.h"
#include "platform/own_fds.h"
#include "track/attach.h"
#include "track/lifecycle.h"
#include "track/tracker.h"
#include "track/triggers.h"

using namespace fdscope;

namespace {

#if defined(__x86_64__)
}  // namespace
// Set in a vfork child by the vfork interposer (vfork_hook.c).
extern "C" __thread int fdscope_in_vfork_child
    __attribute__((tls_model("initial-exec"), visibility("hidden")));
namespace {
bool owns_process() { return !fdscope_in_vfork_child; }
#else
// Without the vfork interposer: a child (of vfork, or of a fork that ran no
// atfork handlers) has another pid than the one the state belongs to.
bool owns_process() {
  int owner = owner_pid();
  return owner == 0 || owner == sys::getpid();
}
#endif

// A vfork() child runs in its parent's memory until it execs: what it opens,
// duplicates and closes (a subprocess setting up its stdio and closing every
// other descriptor) must not touch the parent's table, so that check comes
// first, before anything touches state. Then start-up, cheap once done, so
// that a hook reached before the library constructor records like any other.
// A library attached to a running process records only while attached.
bool enter() {
  if (!owns_process() || recording_paused()) return false;
  ensure_init();
  return true;
}

}  // namespace

extern "C" {

// The library constructor: tracking starts before main; the language
// runtimes' start may allocate, which a hook must never do, so it is here.
// A library loaded into a running process (fdscope attach) waits for
// fdscope_attach_start() instead.
void fdscope_init(void) {
  if (loaded_after_libc(reinterpret_cast<const void*>(&fdscope_init))) {
    set_loaded_late();
    return;
  }
  mark_preloaded();
  ensure_init();
  start_runtimes();
}
unsigned long long fdscope_now_ns(void) { return sys::coarse_monotonic_ns(); }

void fdscope_created(int fd, enum fdscope_call call, int flags) {
  if (enter()) on_created(fd, call, flags);
}
void fdscope_created_pair(const int fds[2], enum fdscope_call call, int flags) {
  if (enter()) on_created_pair(fds, call, flags);
}
void fdscope_adopted(int fd, enum fdscope_call call) {
  if (enter()) on_adopted(fd, call);
}
void fdscope_create_failed(enum fdscope_call call) {
  int err = errno;
  if (enter()) on_failed_with(call, err);
}
void fdscope_failed_with(enum fdscope_call call, int err) {
  if (enter()) on_failed_with(call, err);
}
// Not enter(): before start-up the library's handler is not installed, so
// there is nothing to filter, and start-up must not run from here. Another
// preloaded runtime installs its handlers from inside its own start-up
// (ASan does, before it can take the atexit and allocation calls that ours
// makes); start-up then sees the dispositions it left, as it sees any.
enum fdscope_sig_decision fdscope_signal_filter(int sig, const struct sigaction* act,
                                                struct sigaction* old) {
  if (!owns_process() || !initialized()) return FDSCOPE_SIG_PASS;
  switch (filter_sigaction(sig, act, old)) {
    case SigDecision::kDone: return FDSCOPE_SIG_DONE;
    case SigDecision::kInstall: return FDSCOPE_SIG_INSTALL;
    case SigDecision::kPass: break;
  }
  return FDSCOPE_SIG_PASS;
}
int fdscope_closing(int fd, const void* caller) {
  return enter() && on_closing(fd, reinterpret_cast<uintptr_t>(caller)) ? 1 : 0;
}
void fdscope_close_result(int fd, int rc) {
  int err = errno;
  if (enter()) on_close_result(fd, rc, err);
}
void fdscope_closed_range(unsigned first, unsigned last, unsigned long long began_ns) {
  if (enter()) on_closed_range(first, last, began_ns);
}
void fdscope_connect(int fd, const struct sockaddr* addr, socklen_t len) {
  if (enter()) on_connect(fd, addr, len);
}
void fdscope_received(const struct msghdr* msg, enum fdscope_call call) {
  if (enter()) on_received(msg, call);
}

__attribute__((visibility("default"))) int fdscope_own_fds(int* out, int max) {
  ensure_init();
  return list_own_fds(out, max);
}

__attribute__((visibility("default"))) int fdscope_dump(const char* path) {
  ensure_init();
  int r = write_dump(Reason::kRequest, path);
  if (r < 0) {
    errno = -r;
    return -1;
  }
  return 0;
}

}  // extern "C"
