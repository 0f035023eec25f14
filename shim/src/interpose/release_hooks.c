/* SPDX-License-Identifier: MIT */
/* Interposers: every way a descriptor is released. */
#include "interpose/hook_support.h"

#if !__GLIBC_PREREQ(2, 34)
int close_range(unsigned int first, unsigned int last, int flags);
void closefrom(int lowfd);
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* The record is dropped before the real close: once the kernel frees the
 * number another thread may get it, and its new record must not be undone.
 * Closing one of the library's own descriptors (a daemon's loop of close()
 * over every number) gives it up and fails with EBADF, as the same call
 * does without the library: a daemon counting what it closed counts the
 * same. */
REAL_FN(close)
HOOK int close(int fd) {
  int own = fdscope_closing(fd, __builtin_return_address(0));
  int r = real_close() ? real_close()(fd) : (int)syscall(SYS_close, fd);
  if (own && r == 0) {
    errno = EBADF;
    return -1;
  }
  fdscope_close_result(fd, r);
  return r;
}

/* closedir's argument is declared nonnull, and GCC drops a test of such a
 * parameter against NULL (-fno-delete-null-pointer-checks notwithstanding):
 * the empty asm hides its value, so closedir(NULL) reaches glibc (EINVAL)
 * instead of crashing in dirfd. */
#define STREAM_CLOSE_HOOK(name, T, fdexpr)          \
  REAL_FN(name)                                     \
  HOOK int name(T* stream) {                        \
    if (!real_##name()) NO_REAL(EOF);               \
    __asm__("" : "+r"(stream));                     \
    if (stream) {                                   \
      int fd = fdexpr;                              \
      if (fd >= 0)                                  \
        fdscope_closing(fd, __builtin_return_address(0)); \
    }                                               \
    return real_##name()(stream);                   \
  }
STREAM_CLOSE_HOOK(fclose, FILE, file_fd(stream))
STREAM_CLOSE_HOOK(pclose, FILE, file_fd(stream))
STREAM_CLOSE_HOOK(closedir, DIR, dir_fd(stream))

/* Cleared after the call, and only records older than it: a descriptor a
 * concurrent thread creates in the range meanwhile keeps its record. */
REAL_FN(close_range)
HOOK int close_range(unsigned int first, unsigned int last, int flags) {
  unsigned long long began = fdscope_now_ns();
  int r = real_close_range() ? real_close_range()(first, last, flags)
                             : (int)syscall(SYS_close_range, first, last, flags);
  if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC)) fdscope_closed_range(first, last, began);
  return r;
}

REAL_FN(closefrom)
HOOK void closefrom(int low) {
  unsigned long long began = fdscope_now_ns();
  if (real_closefrom()) {
    real_closefrom()(low);
  } else {
    int saved = errno;
    if (syscall(SYS_close_range, low, ~0U, 0) != 0)
      for (int fd = low; fd < 65536; ++fd) syscall(SYS_close, fd);
    errno = saved;
  }
  if (low >= 0) fdscope_closed_range((unsigned)low, ~0U, began);
}
