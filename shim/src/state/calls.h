// SPDX-License-Identifier: MIT
/* The libc entry points the shim interposes, as small ids stored per
 * descriptor; dumps print their names. Shared by the C interposers and the
 * C++ core. */
#pragma once

#define FDSCOPE_CALLS(X)                                                          \
  X(unknown) X(open) X(open64) X(openat) X(openat64) X(creat) X(creat64)          \
  X(__open_2) X(__open64_2) X(__openat_2) X(__openat64_2) X(socket) X(socketpair) \
  X(accept) X(accept4) X(dup) X(dup2) X(dup3) X(fcntl) X(fcntl64) X(pipe) X(pipe2) \
  X(epoll_create) X(epoll_create1) X(eventfd) X(timerfd_create) X(signalfd)       \
  X(inotify_init) X(inotify_init1) X(memfd_create) X(mkstemp) X(mkostemp)         \
  X(mkstemps) X(mkostemps) X(mkstemp64) X(mkostemp64) X(mkstemps64)               \
  X(mkostemps64) X(fopen) X(fopen64) X(freopen) X(freopen64) X(tmpfile)           \
  X(tmpfile64) X(opendir) X(fdopendir) X(popen) X(recvmsg) X(recvmmsg)            \
  X(posix_openpt) X(shm_open)                                                    \
  X(getaddrinfo) X(getpwnam) X(getpwuid) X(getgrnam) X(getgrgid) X(getpwnam_r)    \
  X(getpwuid_r) X(getgrnam_r) X(getgrgid_r)

enum fdscope_call {
#define FDSCOPE_CALL_ENUM(name) FDSCOPE_CALL_##name,
  FDSCOPE_CALLS(FDSCOPE_CALL_ENUM)
#undef FDSCOPE_CALL_ENUM
};

#ifdef __cplusplus
namespace fdscope {
using Call = fdscope_call;
const char* call_name(Call c);
}  // namespace fdscope
#endif
