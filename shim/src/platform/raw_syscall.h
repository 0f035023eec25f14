// SPDX-License-Identifier: MIT
// Raw system calls for the shim's own use.
//
// Why not libc: the shim's own descriptors (dump file, /proc reads) must
// never pass through its own interposers, must not change the host's errno,
// and must be usable from a signal handler. A raw syscall instruction does
// all three: it returns -errno instead of setting errno and touches no lock.
#pragma once

#include <errno.h>
#include <sys/syscall.h>

namespace fdscope {

#if defined(__x86_64__)
inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory");
  return x0;
}
#else
#error "fdscope: raw syscalls are implemented for x86_64 and aarch64 only"
#endif

template <typename A = long, typename B = long, typename C = long, typename D = long,
          typename E = long, typename F = long>
inline long raw_syscall(long n, A a = 0, B b = 0, C c = 0, D d = 0, E e = 0, F f = 0) {
  return raw_syscall6(n, (long)a, (long)b, (long)c, (long)d, (long)e, (long)f);
}

// The kernel's convention: -4095..-1 is -errno, anything else a result.
inline bool raw_failed(long r) { return r < 0 && r > -4096; }

// For raw calls made on behalf of code that expects libc's convention
// (libunwind's redirected calls, the interposers' fallbacks): -1 with errno.
inline long as_libc_result(long r) {
  if (!raw_failed(r)) return r;
  errno = (int)-r;
  return -1;
}

}  // namespace fdscope
