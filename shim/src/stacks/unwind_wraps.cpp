// SPDX-License-Identifier: MIT
// libunwind's descriptor calls, redirected here at link time (--wrap), so
// they never reach the interposers: libunwind makes them under its init lock
// with all signals blocked, where a hook that unwound would deadlock, and
// the descriptors are not the host's.
//
// libunwind probes memory before it reads through a frame without unwind
// information (JIT code): it writes one byte from the address into a pipe
// it keeps open, which fails with EFAULT instead of crashing. Holding that
// pipe would take two descriptors from the program. Instead the pipe is a
// pair of pseudo-descriptors, and the probe is rt_sigprocmask with an
// invalid `how`: the kernel copies the set from the address first (EFAULT
// if it is unreadable), then refuses the call (EINVAL), changing nothing.
#include <errno.h>
#include <fcntl.h>

#include "platform/raw_syscall.h"
#include <sys/types.h>

#include "platform/own_fds.h"

namespace {

constexpr int kProbeRead = -1000;   // pseudo-descriptors of the pipe
constexpr int kProbeWrite = -1001;

}  // namespace

extern "C" {

int __wrap_pipe2(int fds[2], int) {
  fds[0] = kProbeRead;
  fds[1] = kProbeWrite;
  return 0;
}

ssize_t __wrap_read(int fd, void* buf, size_t len) {
  if (fd == kProbeRead) {  // "the pipe is empty and fine"
    errno = EAGAIN;
    return -1;
  }
  if (!fdscope::is_own_fd(fd)) {  // never a descriptor of the program's
    errno = EBADF;
    return -1;
  }
  return fdscope::as_libc_result(fdscope::raw_syscall(SYS_read, fd, buf, len));
}

// syscall() is variadic: an int descriptor arrives without sign extension.
long __wrap_syscall(long n, long a, long b, long c, long d, long e, long f) {
  if (n == SYS_write && (int)a == kProbeWrite) {
    long r = fdscope::raw_syscall(SYS_rt_sigprocmask, -1, b, 0, 8);
    if (r == -EFAULT) {
      errno = EFAULT;
      return -1;
    }
    return 1;  // readable: one byte "written"
  }
  if (n == SYS_write) {
    errno = EBADF;
    return -1;
  }
  return fdscope::as_libc_result(fdscope::raw_syscall6(n, a, b, c, d, e, f));
}
// Transient: libunwind reads /proc/self/maps or an ELF file and closes it.
int __wrap_open(const char* path, int flags, int mode) {
  int fd = (int)fdscope::as_libc_result(fdscope::raw_syscall(SYS_openat, AT_FDCWD, path, flags, mode));
  if (fd >= 0) fdscope::add_own_fd(fd);
  return fd;
}

int __wrap_close(int fd) {
  if (!fdscope::is_own_fd(fd)) {
    errno = EBADF;
    return -1;
  }
  fdscope::drop_own_fd(fd);
  return (int)fdscope::as_libc_result(fdscope::raw_syscall(SYS_close, fd));
}

}  // extern "C"
