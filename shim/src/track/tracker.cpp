// SPDX-License-Identifier: MIT
#include "track/tracker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <atomic>

#include "dump/double_close.h"
#include "lang/lang.h"
#include "state/fd_table.h"
#include "state/options.h"
#include "state/site_counts.h"
#include "stacks/blob_store.h"
#include "stacks/stack_store.h"
#include "platform/sys.h"
#include "state/thread_state.h"
#include "track/lifecycle.h"
#include "track/triggers.h"
#include "platform/own_fds.h"
#include "stacks/unwind.h"

namespace fdscope {
namespace {

std::atomic<long> g_open{0};

uint32_t capture_interned() { return fdscope::capture_interned(options().depth); }

void fill_record(FdRecord& r, Call call, int flags, uint32_t stack, uint32_t lang_stack,
                 uint64_t now) {
  const uint32_t tid = (uint32_t)current_tid();
  r.state = SlotState::kOpen;  // state, call and tid share a word: set together
  r.call = call;
  r.tid = tid;
  r.stack = stack;
  r.lang_stack = lang_stack;
  r.mono_ns = now;
  r.live = {};
  r.live.flags = flags;
  r.live.thread = current_thread_name_id(now);
}

// Where a descriptor comes from: its native and language stacks (0: none).
struct Origin {
  uint32_t stack = 0, lang_stack = 0;
};

// Nested (a signal handler that interrupted the shim) or before start-up:
// the descriptor is recorded without a stack rather than unwinding
// re-entrantly. Below stacks_from, counted without a stack (and its cost).
inline __attribute__((always_inline)) Origin capture_origin(const ShimScope& scope, Call call,
                                                            int fd) {
  Origin o;
  if (scope.nested() || !initialized() || !stacks_wanted(g_open.load(std::memory_order_relaxed)))
    return o;
  o.stack = capture_interned();
  o.lang_stack = lang::capture(call, fd);
  return o;
}

inline __attribute__((always_inline)) void record_created(int fd, Call call, int flags,
                                                      Origin origin, uint64_t now) {
  const uint32_t stack = origin.stack, lang_stack = origin.lang_stack;
  FdSlot* s = fd_table().slot(fd, true);
  if (!s || !begin_write(*s)) return;
  FdRecord rec = load_record(*s);
  bool was_open = rec.state == SlotState::kOpen;
  if (was_open) count_closed(owner_stack(rec));  // replaced (dup2 onto it)
  if (is_own_fd(fd)) drop_own_fd(fd);  // the host dup2()ed over one of ours
  fill_record(rec, call, flags, stack, lang_stack, now);
  store_record(*s, rec);
  count_opened(owner_stack(rec), lang_stack ? stack : 0, call, now);
  end_write(*s);
  long open = was_open ? g_open.load(std::memory_order_relaxed)
                       : g_open.fetch_add(1, std::memory_order_relaxed) + 1;
  note_total_open(open, now);
  after_create(open);
}

}  // namespace

void on_created(int fd, Call call, int flags) {
  if (fd < 0) return;
  ShimScope scope;
  uint64_t now = sys::coarse_monotonic_ns();
  record_created(fd, call, flags, capture_origin(scope, call, fd), now);
}

void on_created_pair(const int fds[2], Call call, int flags) {
  if (fds[0] < 0 || fds[1] < 0) return;
  ShimScope scope;
  uint64_t now = sys::coarse_monotonic_ns();
  const Origin origin = capture_origin(scope, call, fds[0]);
  record_created(fds[0], call, flags, origin, now);
  record_created(fds[1], call, flags, origin, now);
}

void on_adopted(int fd, Call call) {
  FdSlot* s = fd_table().slot(fd, false);
  if (s && peek_state(*s) == SlotState::kOpen) return;
  on_created(fd, call, 0);
}

void on_failed_with(Call call, int err) {
  if (err != EMFILE && err != ENFILE) return;
  ShimScope scope;
  if (scope.nested() || !initialized()) return;
  after_create_failed(call, err, tracked_open());
}

// Where a descriptor was closed, for reporting a later double close: the
// caller's address, which costs nothing, and the whole stack (an unwind,
// the most expensive part of a close) only for descriptors whose creating
// site has already been closed twice: double closes come from code paths
// that run again, so the second report of a site has the whole first-close
// stack, and no other close pays for it.
bool on_closing(int fd, uintptr_t caller) {
  ShimScope scope;
  const bool own = is_own_fd(fd);
  if (own) drop_own_fd(fd);  // the host may close ours (daemons do)
  FdSlot* s = fd_table().slot(fd, false);
  if (!s || peek_state(*s) != SlotState::kOpen) return own;
  // A racy peek at the owner: at worst the wrong choice of stack for a
  // descriptor another thread is replacing right now.
  uint32_t owner = owner_stack(load_record(*s));
  SiteCounter* counter = site_counter(owner);
  uint32_t stack = options().double_close != DoubleClose::kOff && !scope.nested() &&
                           initialized() && wants_close_stacks(counter)
                       ? capture_interned()
                       : 0;
  if (!begin_write(*s)) return own;
  FdRecord rec = load_record(*s);
  if (rec.state == SlotState::kOpen) {
    count_closed(owner_stack(rec) == owner ? counter : site_counter(owner_stack(rec)));
    rec.state = SlotState::kClosed;
    rec.mono_ns = sys::coarse_monotonic_ns();
    rec.dead.close_tid = current_tid();
    rec.dead.close_stack = stack;
    rec.dead.close_caller = caller;
    store_record(*s, rec);
    after_close(g_open.fetch_sub(1, std::memory_order_relaxed) - 1);
  }
  end_write(*s);
  return own;
}

// close() failing with EBADF on a descriptor seen closed (and not created
// again since) is a double close.
void on_close_result(int fd, int rc, int err) {
  if (rc == 0 || err != EBADF || options().double_close == DoubleClose::kOff) return;
  ShimScope scope;
  if (scope.nested() || !initialized()) return;
  FdSlot* s = fd_table().slot(fd, false);
  FdRecord rec;
  if (!s || !read_slot(*s, &rec) || rec.state != SlotState::kClosed) return;
  want_close_stacks(owner_stack(rec));  // the next one of this site gets the whole stack
  report_double_close(fd, rec, capture_interned(), current_tid());
  if (options().double_close == DoubleClose::kAbort) abort();
}

void on_closed_range(unsigned first, unsigned last, uint64_t began) {
  ShimScope scope;
  drop_own_fds_in(first, last);
  unsigned n = fd_table().close_range(first, last, began);
  g_open.fetch_sub(n, std::memory_order_relaxed);
}

void on_connect(int fd, const struct sockaddr* addr, socklen_t len) {
  if (!addr) return;
  ShimScope scope;
  if (scope.nested() || !initialized()) return;
  uint32_t stack = capture_interned();
  uint32_t peer = intern_blob(addr, len < kMaxBlob ? len : kMaxBlob);
  FdSlot* s = fd_table().slot(fd, false);
  if (!s || peek_state(*s) != SlotState::kOpen || !begin_write(*s)) return;
  FdRecord rec = load_record(*s);
  if (rec.state == SlotState::kOpen) {
    rec.live.peer = peer;
    rec.live.connect_stack = stack;
    store_record(*s, rec);
  }
  end_write(*s);
}

void attribute_lang_stack(int fd, uint32_t stack) {
  FdSlot* s = fd_table().slot(fd, false);
  if (!s) return;
  const FdRecord peek = load_record(*s);
  if (peek.state != SlotState::kOpen || peek.lang_stack || !begin_write(*s)) return;
  FdRecord rec = load_record(*s);
  if (rec.state == SlotState::kOpen && !rec.lang_stack) {
    count_moved_to_lang(rec, stack, sys::coarse_monotonic_ns());
    rec.lang_stack = stack;
    store_record(*s, rec);
  }
  end_write(*s);
}

void on_received(const struct msghdr* msg, Call call) {
  if (!msg || !msg->msg_control) return;
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(const_cast<msghdr*>(msg), c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const unsigned char* data = CMSG_DATA(c);
    for (size_t i = 0; i < n; ++i) {
      int fd;
      memcpy(&fd, data + i * sizeof(int), sizeof(int));
      on_created(fd, call, 0);
    }
  }
}

long tracked_open() { return g_open.load(std::memory_order_relaxed); }

void forget_all() {
  ShimScope scope;
  unsigned n = fd_table().close_range(0, ~0u, sys::coarse_monotonic_ns());
  g_open.fetch_sub(n, std::memory_order_relaxed);
}

}  // namespace fdscope
