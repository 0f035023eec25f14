/* SPDX-License-Identifier: MIT */
/* Interposers: the open family and the temporary-file calls. */
#include "interpose/hook_support.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>

static int needs_mode(int flags) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/* The mode argument exists only when the flags ask for it. */
#define READ_MODE(flags, mode)        \
  mode_t mode = 0;                    \
  if (needs_mode(flags)) {            \
    va_list ap;                       \
    va_start(ap, flags);              \
    mode = va_arg(ap, mode_t);        \
    va_end(ap);                       \
  }

#define OPEN_HOOK(name)                                                            \
  REAL_FN(name)                                                                    \
  HOOK int name(const char* path, int flags, ...) {                                \
    READ_MODE(flags, mode)                                                         \
    int fd = real_##name() ? real_##name()(path, flags, mode)                      \
                           : (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode); \
    return report_fd(fd, FDSCOPE_CALL_##name, flags);                              \
  }
OPEN_HOOK(open)
OPEN_HOOK(open64)

#define OPENAT_HOOK(name)                                                         \
  REAL_FN(name)                                                                   \
  HOOK int name(int dirfd, const char* path, int flags, ...) {                    \
    READ_MODE(flags, mode)                                                        \
    int fd = real_##name() ? real_##name()(dirfd, path, flags, mode)              \
                           : (int)syscall(SYS_openat, dirfd, path, flags, mode);  \
    return report_fd(fd, FDSCOPE_CALL_##name, flags);                             \
  }
OPENAT_HOOK(openat)
OPENAT_HOOK(openat64)

/* The fortified entry points that -D_FORTIFY_SOURCE programs call. */
int __open_2(const char* path, int flags);
int __open64_2(const char* path, int flags);
int __openat_2(int dirfd, const char* path, int flags);
int __openat64_2(int dirfd, const char* path, int flags);

#define OPEN2_HOOK(name)                                                          \
  REAL_FN(name)                                                                   \
  HOOK int name(const char* path, int flags) {                                    \
    int fd = real_##name() ? real_##name()(path, flags)                           \
                           : (int)syscall(SYS_openat, AT_FDCWD, path, flags);     \
    return report_fd(fd, FDSCOPE_CALL_##name, flags);                             \
  }
OPEN2_HOOK(__open_2)
OPEN2_HOOK(__open64_2)

#define OPENAT2_HOOK(name)                                                        \
  REAL_FN(name)                                                                   \
  HOOK int name(int dirfd, const char* path, int flags) {                         \
    int fd = real_##name() ? real_##name()(dirfd, path, flags)                    \
                           : (int)syscall(SYS_openat, dirfd, path, flags);        \
    return report_fd(fd, FDSCOPE_CALL_##name, flags);                             \
  }
OPENAT2_HOOK(__openat_2)
OPENAT2_HOOK(__openat64_2)

#define CREAT_FLAGS (O_CREAT | O_WRONLY | O_TRUNC)
#define CREAT_HOOK(name)                                                                \
  REAL_FN(name)                                                                         \
  HOOK int name(const char* path, mode_t mode) {                                        \
    int fd = real_##name() ? real_##name()(path, mode)                                  \
                           : (int)syscall(SYS_openat, AT_FDCWD, path, CREAT_FLAGS, mode); \
    return report_fd(fd, FDSCOPE_CALL_##name, CREAT_FLAGS);                             \
  }
CREAT_HOOK(creat)
CREAT_HOOK(creat64)

/* Library functions (no single system call): ENOSYS while glibc's cannot
 * be looked up. */
#define LIBRARY_HOOK1(name, T1)                          \
  REAL_FN(name)                                          \
  HOOK int name(T1 a) {                                  \
    if (!real_##name()) NO_REAL(-1);                     \
    return report_fd(real_##name()(a), FDSCOPE_CALL_##name, 0); \
  }
#define LIBRARY_HOOK2(name, T1, T2)                      \
  REAL_FN(name)                                          \
  HOOK int name(T1 a, T2 b) {                            \
    if (!real_##name()) NO_REAL(-1);                     \
    return report_fd(real_##name()(a, b), FDSCOPE_CALL_##name, 0); \
  }
#define LIBRARY_HOOK3(name, T1, T2, T3)                  \
  REAL_FN(name)                                          \
  HOOK int name(T1 a, T2 b, T3 c) {                      \
    if (!real_##name()) NO_REAL(-1);                     \
    return report_fd(real_##name()(a, b, c), FDSCOPE_CALL_##name, 0); \
  }

LIBRARY_HOOK1(mkstemp, char*)
LIBRARY_HOOK1(mkstemp64, char*)
LIBRARY_HOOK2(mkostemp, char*, int)
LIBRARY_HOOK2(mkostemp64, char*, int)
LIBRARY_HOOK2(mkstemps, char*, int)
LIBRARY_HOOK2(mkstemps64, char*, int)
LIBRARY_HOOK3(mkostemps, char*, int, int)
LIBRARY_HOOK3(mkostemps64, char*, int, int)
LIBRARY_HOOK3(shm_open, const char*, int, mode_t)
LIBRARY_HOOK1(posix_openpt, int)
