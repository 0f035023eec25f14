/* SPDX-License-Identifier: MIT */
/* Interposers: pipes and the kernel objects that are descriptors (epoll,
 * eventfd, timerfd, inotify, memfd, signalfd). Each is one system call,
 * made directly while glibc's function cannot be looked up. */
#include "interpose/hook_support.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

REAL_FN(pipe)
HOOK int pipe(int fds[2]) {
  int r = real_pipe() ? real_pipe()(fds) : (int)syscall(SYS_pipe2, fds, 0);
  return report_pair(r, fds, FDSCOPE_CALL_pipe, 0);
}

REAL_FN(pipe2)
HOOK int pipe2(int fds[2], int flags) {
  int r = real_pipe2() ? real_pipe2()(fds, flags) : (int)syscall(SYS_pipe2, fds, flags);
  return report_pair(r, fds, FDSCOPE_CALL_pipe2, flags);
}

/* epoll_create(size) is epoll_create1(0) once size is checked. */
REAL_FN(epoll_create)
HOOK int epoll_create(int size) {
  int fd;
  if (real_epoll_create()) fd = real_epoll_create()(size);
  else if (size <= 0) fd = (errno = EINVAL, -1);
  else fd = (int)syscall(SYS_epoll_create1, 0);
  return report_fd(fd, FDSCOPE_CALL_epoll_create, 0);
}

#define SYSCALL_HOOK1(name, T1, nr)                                               \
  REAL_FN(name)                                                                   \
  HOOK int name(T1 a) {                                                           \
    int fd = real_##name() ? real_##name()(a) : (int)syscall(nr, a);              \
    return report_fd(fd, FDSCOPE_CALL_##name, 0);                                 \
  }
#define SYSCALL_HOOK2(name, T1, T2, nr)                                           \
  REAL_FN(name)                                                                   \
  HOOK int name(T1 a, T2 b) {                                                     \
    int fd = real_##name() ? real_##name()(a, b) : (int)syscall(nr, a, b);        \
    return report_fd(fd, FDSCOPE_CALL_##name, 0);                                 \
  }
SYSCALL_HOOK1(epoll_create1, int, SYS_epoll_create1)
SYSCALL_HOOK2(eventfd, unsigned int, int, SYS_eventfd2)
SYSCALL_HOOK2(timerfd_create, int, int, SYS_timerfd_create)
SYSCALL_HOOK1(inotify_init1, int, SYS_inotify_init1)
SYSCALL_HOOK2(memfd_create, const char*, unsigned int, SYS_memfd_create)

REAL_FN(inotify_init)
HOOK int inotify_init(void) {
  int fd = real_inotify_init() ? real_inotify_init()() : (int)syscall(SYS_inotify_init1, 0);
  return report_fd(fd, FDSCOPE_CALL_inotify_init, 0);
}

/* signalfd(-1, ...) creates; signalfd(fd, ...) updates an existing one. The
 * kernel's sigset is 8 bytes (_NSIG / 8), as glibc passes it. */
REAL_FN(signalfd)
HOOK int signalfd(int fd, const sigset_t* mask, int flags) {
  int r = real_signalfd() ? real_signalfd()(fd, mask, flags)
                          : (int)syscall(SYS_signalfd4, fd, mask, (size_t)8, flags);
  if (fd != -1) return r;
  return report_fd(r, FDSCOPE_CALL_signalfd, 0);
}
