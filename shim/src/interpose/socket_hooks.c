/* SPDX-License-Identifier: MIT */
/* Interposers: sockets, connections, and descriptors received over unix
 * sockets (SCM_RIGHTS). */
#include "interpose/hook_support.h"

#include <sys/socket.h>

REAL_FN(socket)
HOOK int socket(int domain, int type, int protocol) {
  int fd = real_socket() ? real_socket()(domain, type, protocol)
                         : (int)syscall(SYS_socket, domain, type, protocol);
  return report_fd(fd, FDSCOPE_CALL_socket, type);
}

REAL_FN(socketpair)
HOOK int socketpair(int domain, int type, int protocol, int sv[2]) {
  int r = real_socketpair() ? real_socketpair()(domain, type, protocol, sv)
                            : (int)syscall(SYS_socketpair, domain, type, protocol, sv);
  return report_pair(r, sv, FDSCOPE_CALL_socketpair, type);
}

REAL_FN(accept)
HOOK int accept(int sockfd, struct sockaddr* addr, socklen_t* len) {
  int fd = real_accept() ? real_accept()(sockfd, addr, len)
                         : (int)syscall(SYS_accept, sockfd, addr, len);
  return report_fd(fd, FDSCOPE_CALL_accept, 0);
}

REAL_FN(accept4)
HOOK int accept4(int sockfd, struct sockaddr* addr, socklen_t* len, int flags) {
  int fd = real_accept4() ? real_accept4()(sockfd, addr, len, flags)
                          : (int)syscall(SYS_accept4, sockfd, addr, len, flags);
  return report_fd(fd, FDSCOPE_CALL_accept4, 0);
}

REAL_FN(connect)
HOOK int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  int r = real_connect() ? real_connect()(fd, addr, len)
                         : (int)syscall(SYS_connect, fd, addr, len);
  fdscope_connect(fd, addr, len);  /* also on EINPROGRESS / failure: the intent */
  return r;
}

REAL_FN(recvmsg)
HOOK ssize_t recvmsg(int fd, struct msghdr* msg, int flags) {
  ssize_t r = real_recvmsg() ? real_recvmsg()(fd, msg, flags)
                             : syscall(SYS_recvmsg, fd, msg, flags);
  if (r >= 0) fdscope_received(msg, FDSCOPE_CALL_recvmsg);
  return r;
}

REAL_FN(recvmmsg)
HOOK int recvmmsg(int fd, struct mmsghdr* msgs, unsigned int n, int flags,
                  struct timespec* timeout) {
  int r = real_recvmmsg() ? real_recvmmsg()(fd, msgs, n, flags, timeout)
                          : (int)syscall(SYS_recvmmsg, fd, msgs, n, flags, timeout);
  for (int i = 0; i < r; ++i) fdscope_received(&msgs[i].msg_hdr, FDSCOPE_CALL_recvmmsg);
  return r;
}
