#include "reserve_fd.h"

#include <fcntl.h>
#include <sys/resource.h>

#include <atomic>

#include "sys.h"
#include "tracker.h"

namespace fdscope {
namespace {

std::atomic<int> g_reserve{-1};

// Just below the soft limit, above the libunwind pipe (see unwind_wraps.cpp).
int high_floor() {
  struct rlimit lim{};
  sys::ops.getrlimit_nofile(&lim);
  return lim.rlim_cur > 64 ? (int)lim.rlim_cur - 8 : 3;
}

}  // namespace

void reserve_init() { reserve_restore(); }

void reserve_restore() {
  int cur = g_reserve.load(std::memory_order_acquire);
  if (cur >= 0 && is_own_fd(cur)) return;  // held (not closed by the program)
  long fd = sys::ops.openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return;
  long high = sys::ops.dup_at_least((int)fd, high_floor());
  if (high >= 0) {
    sys::ops.close((int)fd);
    fd = high;
  }
  add_own_fd((int)fd);
  g_reserve.store((int)fd, std::memory_order_release);
}

bool reserve_release() {
  int fd = g_reserve.exchange(-1);
  if (fd < 0 || !is_own_fd(fd)) return false;
  drop_own_fd(fd);
  sys::ops.close(fd);
  return true;
}

}  // namespace fdscope
