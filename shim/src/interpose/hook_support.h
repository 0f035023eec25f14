// SPDX-License-Identifier: MIT
/* What every interposer file shares: how the next definition of a hooked
 * function is found, what a hook does while it cannot be, and the one step
 * that tells the core what a call produced.
 *
 * Fallback rule, for the moment when glibc's function cannot be looked up
 * yet (a lookup is under way on this thread: dlsym may allocate, and an
 * allocator may open files): a hook whose call is one system call makes
 * that system call itself; a hook of a library function (stdio, dirent,
 * mkstemp, NSS, getaddrinfo) fails with ENOSYS, since it cannot be done
 * without glibc. */
#pragma once

#define _GNU_SOURCE
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <errno.h>
#include <stdio.h>
#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "interpose/hooks_api.h"

#define HOOK __attribute__((visibility("default")))

/* real_NAME(): glibc's NAME, looked up once. NULL only during the lookup
 * itself (see fdscope_next). */
#define REAL_FN(name)                                                   \
  static __typeof__(name)* real_##name(void) {                          \
    static __typeof__(name)* fn;                                        \
    __typeof__(name)* f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);       \
    if (!f) {                                                           \
      f = (__typeof__(name)*)fdscope_next(#name);                       \
      if (f) __atomic_store_n(&fn, f, __ATOMIC_RELEASE);                \
    }                                                                   \
    return f;                                                           \
  }

#define NO_REAL(ret) \
  do {               \
    errno = ENOSYS;  \
    return ret;      \
  } while (0)

/* The record-or-report step of a call that returns a new descriptor (or -1
 * with errno): recorded, or a failure the core looks at (EMFILE). */
static inline int report_fd(int fd, enum fdscope_call call, int flags) {
  if (fd >= 0) fdscope_created(fd, call, flags);
  else fdscope_create_failed(call);
  return fd;
}

/* The same for calls that fill a pair (pipe, socketpair) and return 0. */
static inline int report_pair(int r, const int fds[2], enum fdscope_call call, int flags) {
  if (r == 0) {
    fdscope_created_pair(fds, call, flags);
  } else {
    fdscope_create_failed(call);
  }
  return r;
}

/* fileno/dirfd set errno for a stream without a descriptor (fmemopen):
 * read them without disturbing the host's errno. */
static inline int file_fd(FILE* fp) {
  int saved = errno;
  int fd = fileno_unlocked(fp);
  errno = saved;
  return fd;
}
static inline int dir_fd(DIR* d) {
  int saved = errno;
  int fd = dirfd(d);
  errno = saved;
  return fd;
}

/* A call that returns a FILE* / DIR*, or NULL with errno. */
#define STREAM_RESULT(stream, fdexpr, call)                         \
  do {                                                              \
    if (stream) fdscope_created((fdexpr), (call), 0);               \
    else fdscope_create_failed(call);                               \
  } while (0)
