// SPDX-License-Identifier: MIT
#include "platform/reserve_fd.h"

#include <fcntl.h>
#include <sys/resource.h>

#include <atomic>

#include "platform/sys.h"
#include "platform/own_fds.h"

namespace fdscope {
namespace {

std::atomic<int> g_reserve{-1};
std::atomic<bool> g_reserve_is_memfd{false};
const char* g_name = "";
// The soft limit the program had before a dump raised it (0: not raised),
// and the value the dump set, so that a limit the program changed meanwhile
// is left alone.
rlim_t g_saved_soft = 0, g_raised_soft = 0;

rlimit current_limit() {
  struct rlimit lim{};
  sys::ops.getrlimit_nofile(&lim);
  return lim;
}

long open_reserve(bool* memfd) {
  long fd = sys::ops.memfd(g_name);
  *memfd = fd >= 0;
  if (fd < 0) fd = sys::ops.openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
  return fd;
}

}  // namespace

void reserve_init(const char* name) {
  g_name = name;
  reserve_restore();
}

int reserve_memfd() {
  int fd = g_reserve.load(std::memory_order_acquire);
  return fd >= 0 && g_reserve_is_memfd.load(std::memory_order_relaxed) && is_own_fd(fd) ? fd : -1;
}

void reserve_after_fork() {
  int fd = reserve_memfd();
  if (fd < 0) return;
  bool memfd = false;
  long fresh = open_reserve(&memfd);
  // dup3 replaces the inherited description in one step: the number stays
  // taken throughout. Failing that, the child must not write into the
  // parent's state: it holds the reserve as a plain descriptor.
  bool replaced = fresh >= 0 && sys::ops.dup_onto((int)fresh, fd) >= 0;
  g_reserve_is_memfd.store(replaced && memfd);
  if (fresh >= 0) sys::ops.close((int)fresh);
}

void reserve_release() {
  int fd = g_reserve.exchange(-1);
  if (fd >= 0 && is_own_fd(fd)) {
    drop_own_fd(fd);
    sys::ops.close(fd);
  }
}

void reserve_restore() {
  if (g_raised_soft) {
    rlimit lim = current_limit();
    if (lim.rlim_cur == g_raised_soft) {
      lim.rlim_cur = g_saved_soft;
      sys::ops.setrlimit_nofile(&lim);
    }
    g_saved_soft = g_raised_soft = 0;
  }
  rlimit lim = current_limit();
  if (lim.rlim_cur < 4) return;
  // At most 4095: the kernel sizes a process's descriptor table by its
  // highest number, and containers often run with a soft limit of 2^20.
  int top = lim.rlim_cur > 4096 ? 4095 : (int)lim.rlim_cur - 1;
  int cur = g_reserve.load(std::memory_order_acquire);
  if (cur >= 0 && is_own_fd(cur)) {
    if (cur <= top) return;  // held, and usable
    g_reserve.store(-1);
    drop_own_fd(cur);
    sys::ops.close(cur);
  }
  bool memfd = false;
  long fd = open_reserve(&memfd);
  if (fd < 0) return;
  // The top slot, or none: a reserve at a low number would shift the
  // program's numbering.
  long high = fd == top ? fd : sys::ops.dup_at_least((int)fd, top);
  if (high != fd) sys::ops.close((int)fd);
  if (high < 0) return;
  add_own_fd((int)high);
  g_reserve_is_memfd.store(memfd, std::memory_order_relaxed);
  g_reserve.store((int)high, std::memory_order_release);
}

bool reserve_make_room() {
  int fd = g_reserve.exchange(-1);
  rlimit lim = current_limit();
  if (fd >= 0 && is_own_fd(fd)) {
    drop_own_fd(fd);
    sys::ops.close(fd);
    if ((rlim_t)fd < lim.rlim_cur) return true;  // that freed a usable slot
  }
  // Raise the soft limit a little for the dump (the program's other threads
  // may briefly open a few more than their limit meanwhile).
  if (g_raised_soft || lim.rlim_cur >= lim.rlim_max) return false;
  g_saved_soft = lim.rlim_cur;
  lim.rlim_cur = lim.rlim_cur + 4 < lim.rlim_max ? lim.rlim_cur + 4 : lim.rlim_max;
  if (sys::ops.setrlimit_nofile(&lim) != 0) {
    g_saved_soft = 0;
    return false;
  }
  g_raised_soft = lim.rlim_cur;
  return true;
}

}  // namespace fdscope
