/* SPDX-License-Identifier: MIT */
/* Interposers: duplication. dup2/dup3 onto an open descriptor close it
 * implicitly: the new record replaces the old one in the table. */
#include "interpose/hook_support.h"

#include <fcntl.h>
#include <stdarg.h>

REAL_FN(dup)
HOOK int dup(int old) {
  int fd = real_dup() ? real_dup()(old) : (int)syscall(SYS_dup, old);
  return report_fd(fd, FDSCOPE_CALL_dup, 0);
}

/* dup2(fd, fd) duplicates nothing: the record stays as it is. */
REAL_FN(dup2)
HOOK int dup2(int old, int new_fd) {
  int fd = real_dup2() ? real_dup2()(old, new_fd) : (int)syscall(SYS_dup3, old, new_fd, 0);
  if (fd >= 0 && old == new_fd) return fd;
  return report_fd(fd, FDSCOPE_CALL_dup2, 0);
}

REAL_FN(dup3)
HOOK int dup3(int old, int new_fd, int flags) {
  int fd = real_dup3() ? real_dup3()(old, new_fd, flags)
                       : (int)syscall(SYS_dup3, old, new_fd, flags);
  return report_fd(fd, FDSCOPE_CALL_dup3, flags);
}

/* glibc reads fcntl's third argument as a pointer-sized value whatever the
 * command; forwarding it the same way is exact for every command. */
#define FCNTL_HOOK(name)                                                       \
  REAL_FN(name)                                                                \
  HOOK int name(int fd, int cmd, ...) {                                        \
    va_list ap;                                                                \
    va_start(ap, cmd);                                                         \
    void* arg = va_arg(ap, void*);                                             \
    va_end(ap);                                                                \
    int r = real_##name() ? real_##name()(fd, cmd, arg)                        \
                          : (int)syscall(SYS_fcntl, fd, cmd, arg);             \
    if (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC) return r;                    \
    return report_fd(r, FDSCOPE_CALL_##name, cmd);                             \
  }
FCNTL_HOOK(fcntl)
#if __GLIBC_PREREQ(2, 28)
FCNTL_HOOK(fcntl64)
#endif
