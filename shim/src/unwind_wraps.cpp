// libunwind's descriptor calls, redirected here at link time (--wrap), so
// they never reach the interposers: libunwind makes them under its init lock
// with all signals blocked, where a hook that unwound would deadlock, and
// the descriptors are not the host's.
//
// libunwind keeps a pipe to probe memory before it reads through a frame
// without unwind information (JIT code): a write() from the address fails
// with EFAULT instead of crashing. That pipe is moved to high descriptor
// numbers, so the host's numbering is as without the shim, and libunwind's
// reads and writes on it are refused once the host has closed it (a daemon
// closing every descriptor), so libunwind never touches a host descriptor
// that reused the number; it then opens a new pipe.
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>

#include "raw_syscall.h"
#include "sys.h"
#include "tracker.h"

namespace {

long as_libc_result(long r) {
  if (r < 0 && r > -4096) {
    errno = (int)-r;
    return -1;
  }
  return r;
}

// Moves fd to the top of the soft limit's range (close-on-exec).
int move_high(int fd) {
  struct rlimit lim{};
  fdscope::sys::ops.getrlimit_nofile(&lim);
  long floor = lim.rlim_cur > 64 ? (long)lim.rlim_cur - 8 : 3;
  long high = fdscope::sys::ops.dup_at_least(fd, (int)floor);
  if (high < 0) return fd;
  fdscope::sys::ops.close(fd);
  return (int)high;
}

}  // namespace

extern "C" {

int __wrap_pipe2(int fds[2], int flags) {
  int r = (int)as_libc_result(fdscope::raw_syscall(SYS_pipe2, fds, flags));
  if (r != 0) return r;
  for (int i = 0; i < 2; ++i) {
    fds[i] = move_high(fds[i]);
    fdscope::add_own_fd(fds[i]);
  }
  return 0;
}

ssize_t __wrap_read(int fd, void* buf, size_t len) {
  if (!fdscope::is_own_fd(fd)) {
    errno = EBADF;
    return -1;
  }
  return as_libc_result(fdscope::raw_syscall(SYS_read, fd, buf, len));
}

long __wrap_syscall(long n, long a, long b, long c, long d, long e, long f) {
  if (n == SYS_write && !fdscope::is_own_fd((int)a)) {
    errno = EBADF;
    return -1;
  }
  return as_libc_result(fdscope::raw_syscall6(n, a, b, c, d, e, f));
}

// Transient: libunwind reads /proc/self/maps or an ELF file and closes it.
int __wrap_open(const char* path, int flags, int mode) {
  int fd = (int)as_libc_result(fdscope::raw_syscall(SYS_openat, AT_FDCWD, path, flags, mode));
  if (fd >= 0) fdscope::add_own_fd(fd);
  return fd;
}

int __wrap_close(int fd) {
  if (!fdscope::is_own_fd(fd)) {
    errno = EBADF;
    return -1;
  }
  fdscope::drop_own_fd(fd);
  return (int)as_libc_result(fdscope::raw_syscall(SYS_close, fd));
}

}  // extern "C"
