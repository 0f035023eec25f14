// SPDX-License-Identifier: MIT
// syscall(SYS_close, fd) and syscall(SYS_close_range, ...): libc's generic
// syscall() entry point is one through which programs release descriptors.
// libuv, and so Node.js, closes every descriptor it owns this way
// (uv__close_nocancel, uv__close_nocheckstdio): files, sockets and pipes
// alike. Without this hook those closes are invisible, the records stay
// "open" in the table, the tracked count never falls (the EMFILE dump never
// re-arms) and a double close is never seen.
//
// Other system calls pass through unchanged, with all six arguments, as
// glibc's syscall() itself forwards them. (The shim's own code and libunwind
// never come here: they use raw system calls and --wrap=syscall.)
#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "interpose/hooks_api.h"
#include "platform/raw_syscall.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace {

using SyscallFn = long (*)(long, ...);

SyscallFn real_syscall() {
  static SyscallFn fn;
  SyscallFn f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
  if (!f) {
    f = (SyscallFn)fdscope_next("syscall");
    if (f) __atomic_store_n(&fn, f, __ATOMIC_RELEASE);
  }
  return f;
}

long forward(long n, long a, long b, long c, long d, long e, long f) {
  if (SyscallFn real = real_syscall()) return real(n, a, b, c, d, e, f);
  // Only while dlsym runs.
  return fdscope::as_libc_result(fdscope::raw_syscall6(n, a, b, c, d, e, f));
}

}  // namespace

extern "C" __attribute__((visibility("default"))) long syscall(long n, ...) noexcept {
  va_list ap;
  va_start(ap, n);
  long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
  long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
  va_end(ap);
  if (n == SYS_close) {
    int own = fdscope_closing((int)a, __builtin_return_address(0));
    long r = forward(n, a, b, c, d, e, f);
    if (own && r == 0) {  // as close(): the library's own number was not the host's
      errno = EBADF;
      return -1;
    }
    fdscope_close_result((int)a, (int)r);
    return r;
  }
  if (n == SYS_close_range) {
    unsigned long long began = fdscope_now_ns();
    long r = forward(n, a, b, c, d, e, f);
    if (r == 0 && !((unsigned)c & CLOSE_RANGE_CLOEXEC))
      fdscope_closed_range((unsigned)a, (unsigned)b, began);
    return r;
  }
  return forward(n, a, b, c, d, e, f);
}
