/* The interposers: every libc entry point through which a program creates or
 * releases a descriptor. Each calls the real function, then tells the core
 * (hooks_api.h) what happened; all state, locking and errno care live there.
 *
 * Written in C so the definitions match glibc's declarations exactly.
 * Compiled without _FORTIFY_SOURCE (its inline wrappers would clash with
 * these definitions) and without _FILE_OFFSET_BITS=64 (which would rename
 * open to open64 and leave open itself uninterposed).
 *
 * glibc's own functions call internal aliases (fopen does not call open;
 * getaddrinfo's socket is not socket), so the public stdio/dirent entry
 * points have hooks of their own. */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <dirent.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "interpose/hooks_api.h"

#define HOOK __attribute__((visibility("default")))

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

/* real_NAME(): glibc's NAME, looked up once. NULL only during the lookup
 * itself (see fdscope_next); callers then fall back to the raw syscall or
 * fail with ENOSYS. */
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

/* A call that returns a new descriptor, or -1 with errno. */
#define FD_RESULT(fd, name)                                   \
  do {                                                        \
    if ((fd) >= 0) fdscope_created((fd), FDSCOPE_CALL_##name, 0); \
    else fdscope_create_failed(FDSCOPE_CALL_##name);          \
  } while (0)

/* A call that returns a FILE* / DIR*, or NULL with errno. */
#define STREAM_RESULT(fp, fdexpr, name)                                   \
  do {                                                                    \
    if (fp) fdscope_created((fdexpr), FDSCOPE_CALL_##name, 0);            \
    else fdscope_create_failed(FDSCOPE_CALL_##name);                      \
  } while (0)

/* fileno/dirfd set errno for a stream without a descriptor (fmemopen):
 * read them without disturbing the host's errno. */
static int file_fd(FILE* fp) {
  int saved = errno;
  int fd = fileno_unlocked(fp);
  errno = saved;
  return fd;
}
static int dir_fd(DIR* d) {
  int saved = errno;
  int fd = dirfd(d);
  errno = saved;
  return fd;
}

static int needs_mode(int flags) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/* ---- open family --------------------------------------------------- */

#define OPEN_HOOK(name)                                                    \
  REAL_FN(name)                                                            \
  HOOK int name(const char* path, int flags, ...) {                        \
    mode_t mode = 0;                                                       \
    if (needs_mode(flags)) {                                               \
      va_list ap;                                                          \
      va_start(ap, flags);                                                 \
      mode = va_arg(ap, mode_t);                                           \
      va_end(ap);                                                          \
    }                                                                      \
    __typeof__(name)* real = real_##name();                                \
    int fd = real ? real(path, flags, mode)                                \
                  : (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode); \
    if (fd >= 0) fdscope_created(fd, FDSCOPE_CALL_##name, flags);          \
    else fdscope_create_failed(FDSCOPE_CALL_##name);                       \
    return fd;                                                             \
  }
OPEN_HOOK(open)
OPEN_HOOK(open64)

#define OPENAT_HOOK(name)                                                        \
  REAL_FN(name)                                                                  \
  HOOK int name(int dirfd, const char* path, int flags, ...) {                   \
    mode_t mode = 0;                                                             \
    if (needs_mode(flags)) {                                                     \
      va_list ap;                                                                \
      va_start(ap, flags);                                                       \
      mode = va_arg(ap, mode_t);                                                 \
      va_end(ap);                                                                \
    }                                                                            \
    __typeof__(name)* real = real_##name();                                      \
    int fd = real ? real(dirfd, path, flags, mode)                               \
                  : (int)syscall(SYS_openat, dirfd, path, flags, mode);          \
    if (fd >= 0) fdscope_created(fd, FDSCOPE_CALL_##name, flags);                \
    else fdscope_create_failed(FDSCOPE_CALL_##name);                             \
    return fd;                                                                   \
  }
OPENAT_HOOK(openat)
OPENAT_HOOK(openat64)

/* The fortified entry points that -D_FORTIFY_SOURCE programs call. */
int __open_2(const char* path, int flags);
int __open64_2(const char* path, int flags);
int __openat_2(int dirfd, const char* path, int flags);
int __openat64_2(int dirfd, const char* path, int flags);

#define OPEN2_HOOK(name)                                                            \
  REAL_FN(name)                                                                     \
  HOOK int name(const char* path, int flags) {                                      \
    __typeof__(name)* real = real_##name();                                         \
    int fd = real ? real(path, flags) : (int)syscall(SYS_openat, AT_FDCWD, path, flags); \
    if (fd >= 0) fdscope_created(fd, FDSCOPE_CALL_##name, flags);                   \
    else fdscope_create_failed(FDSCOPE_CALL_##name);                                \
    return fd;                                                                      \
  }
OPEN2_HOOK(__open_2)
OPEN2_HOOK(__open64_2)

#define OPENAT2_HOOK(name)                                                          \
  REAL_FN(name)                                                                     \
  HOOK int name(int dirfd, const char* path, int flags) {                           \
    __typeof__(name)* real = real_##name();                                         \
    int fd = real ? real(dirfd, path, flags) : (int)syscall(SYS_openat, dirfd, path, flags); \
    if (fd >= 0) fdscope_created(fd, FDSCOPE_CALL_##name, flags);                   \
    else fdscope_create_failed(FDSCOPE_CALL_##name);                                \
    return fd;                                                                      \
  }
OPENAT2_HOOK(__openat_2)
OPENAT2_HOOK(__openat64_2)

#define CREAT_HOOK(name)                                                    \
  REAL_FN(name)                                                             \
  HOOK int name(const char* path, mode_t mode) {                            \
    __typeof__(name)* real = real_##name();                                 \
    int fd = real ? real(path, mode)                                        \
                  : (int)syscall(SYS_openat, AT_FDCWD, path,                \
                                 O_CREAT | O_WRONLY | O_TRUNC, mode);       \
    if (fd >= 0) fdscope_created(fd, FDSCOPE_CALL_##name, O_CREAT | O_WRONLY | O_TRUNC); \
    else fdscope_create_failed(FDSCOPE_CALL_##name);                        \
    return fd;                                                              \
  }
CREAT_HOOK(creat)
CREAT_HOOK(creat64)

/* ---- sockets ----------------------------------------------------------- */

REAL_FN(socket)
HOOK int socket(int domain, int type, int protocol) {
  int fd = real_socket() ? real_socket()(domain, type, protocol)
                         : (int)syscall(SYS_socket, domain, type, protocol);
  if (fd >= 0) fdscope_created(fd, FDSCOPE_CALL_socket, type);
  else fdscope_create_failed(FDSCOPE_CALL_socket);
  return fd;
}

REAL_FN(socketpair)
HOOK int socketpair(int domain, int type, int protocol, int sv[2]) {
  if (!real_socketpair()) NO_REAL(-1);
  int r = real_socketpair()(domain, type, protocol, sv);
  if (r == 0) {
    fdscope_created(sv[0], FDSCOPE_CALL_socketpair, type);
    fdscope_created(sv[1], FDSCOPE_CALL_socketpair, type);
  } else {
    fdscope_create_failed(FDSCOPE_CALL_socketpair);
  }
  return r;
}

REAL_FN(accept)
HOOK int accept(int sockfd, struct sockaddr* addr, socklen_t* len) {
  if (!real_accept()) NO_REAL(-1);
  int fd = real_accept()(sockfd, addr, len);
  FD_RESULT(fd, accept);
  return fd;
}

REAL_FN(accept4)
HOOK int accept4(int sockfd, struct sockaddr* addr, socklen_t* len, int flags) {
  if (!real_accept4()) NO_REAL(-1);
  int fd = real_accept4()(sockfd, addr, len, flags);
  FD_RESULT(fd, accept4);
  return fd;
}

REAL_FN(connect)
HOOK int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  if (!real_connect()) NO_REAL(-1);
  int r = real_connect()(fd, addr, len);
  fdscope_connect(fd, addr, len);  /* also on EINPROGRESS / failure: the intent */
  return r;
}

/* Descriptors passed over a unix socket (SCM_RIGHTS). */
REAL_FN(recvmsg)
HOOK ssize_t recvmsg(int fd, struct msghdr* msg, int flags) {
  if (!real_recvmsg()) NO_REAL(-1);
  ssize_t r = real_recvmsg()(fd, msg, flags);
  if (r >= 0) fdscope_received(msg, FDSCOPE_CALL_recvmsg);
  return r;
}

REAL_FN(recvmmsg)
HOOK int recvmmsg(int fd, struct mmsghdr* msgs, unsigned int n, int flags,
                  struct timespec* timeout) {
  if (!real_recvmmsg()) NO_REAL(-1);
  int r = real_recvmmsg()(fd, msgs, n, flags, timeout);
  for (int i = 0; i < r; ++i) fdscope_received(&msgs[i].msg_hdr, FDSCOPE_CALL_recvmmsg);
  return r;
}

/* ---- duplication ------------------------------------------------------- */

REAL_FN(dup)
HOOK int dup(int old) {
  int fd = real_dup() ? real_dup()(old) : (int)syscall(SYS_dup, old);
  FD_RESULT(fd, dup);
  return fd;
}

/* dup2/dup3 onto an open descriptor close it implicitly: the new record
 * replaces the old one in the table. */
REAL_FN(dup2)
HOOK int dup2(int old, int new_fd) {
  int fd = real_dup2() ? real_dup2()(old, new_fd) : (int)syscall(SYS_dup3, old, new_fd, 0);
  if (fd >= 0 && old != new_fd) fdscope_created(fd, FDSCOPE_CALL_dup2, 0);
  else if (fd < 0) fdscope_create_failed(FDSCOPE_CALL_dup2);
  return fd;
}

REAL_FN(dup3)
HOOK int dup3(int old, int new_fd, int flags) {
  int fd = real_dup3() ? real_dup3()(old, new_fd, flags)
                       : (int)syscall(SYS_dup3, old, new_fd, flags);
  if (fd >= 0) fdscope_created(fd, FDSCOPE_CALL_dup3, flags);
  else fdscope_create_failed(FDSCOPE_CALL_dup3);
  return fd;
}

/* glibc reads fcntl's third argument as a pointer-sized value whatever the
 * command; forwarding it the same way is exact for every command. */
#define FCNTL_HOOK(name)                                                    \
  REAL_FN(name)                                                             \
  HOOK int name(int fd, int cmd, ...) {                                     \
    va_list ap;                                                             \
    va_start(ap, cmd);                                                      \
    void* arg = va_arg(ap, void*);                                          \
    va_end(ap);                                                             \
    __typeof__(name)* real = real_##name();                                 \
    int r = real ? real(fd, cmd, arg) : (int)syscall(SYS_fcntl, fd, cmd, arg); \
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {                         \
      if (r >= 0) fdscope_created(r, FDSCOPE_CALL_##name, cmd);             \
      else fdscope_create_failed(FDSCOPE_CALL_##name);                      \
    }                                                                       \
    return r;                                                               \
  }
FCNTL_HOOK(fcntl)
#if __GLIBC_PREREQ(2, 28)
FCNTL_HOOK(fcntl64)
#endif

/* ---- pipes and kernel objects ------------------------------------------ */

REAL_FN(pipe)
HOOK int pipe(int fds[2]) {
  int r = real_pipe() ? real_pipe()(fds) : (int)syscall(SYS_pipe2, fds, 0);
  if (r == 0) {
    fdscope_created(fds[0], FDSCOPE_CALL_pipe, 0);
    fdscope_created(fds[1], FDSCOPE_CALL_pipe, 0);
  } else {
    fdscope_create_failed(FDSCOPE_CALL_pipe);
  }
  return r;
}

REAL_FN(pipe2)
HOOK int pipe2(int fds[2], int flags) {
  int r = real_pipe2() ? real_pipe2()(fds, flags) : (int)syscall(SYS_pipe2, fds, flags);
  if (r == 0) {
    fdscope_created(fds[0], FDSCOPE_CALL_pipe2, flags);
    fdscope_created(fds[1], FDSCOPE_CALL_pipe2, flags);
  } else {
    fdscope_create_failed(FDSCOPE_CALL_pipe2);
  }
  return r;
}

#define SIMPLE_HOOK1(name, T1)                   \
  REAL_FN(name)                                  \
  HOOK int name(T1 a) {                          \
    if (!real_##name()) NO_REAL(-1);             \
    int fd = real_##name()(a);                   \
    FD_RESULT(fd, name);                         \
    return fd;                                   \
  }
#define SIMPLE_HOOK2(name, T1, T2)               \
  REAL_FN(name)                                  \
  HOOK int name(T1 a, T2 b) {                    \
    if (!real_##name()) NO_REAL(-1);             \
    int fd = real_##name()(a, b);                \
    FD_RESULT(fd, name);                         \
    return fd;                                   \
  }

SIMPLE_HOOK1(epoll_create, int)
SIMPLE_HOOK1(epoll_create1, int)
SIMPLE_HOOK2(eventfd, unsigned int, int)
SIMPLE_HOOK2(timerfd_create, int, int)
SIMPLE_HOOK1(inotify_init1, int)
SIMPLE_HOOK2(memfd_create, const char*, unsigned int)
SIMPLE_HOOK1(posix_openpt, int)
SIMPLE_HOOK1(mkstemp, char*)
SIMPLE_HOOK1(mkstemp64, char*)
SIMPLE_HOOK2(mkostemp, char*, int)
SIMPLE_HOOK2(mkostemp64, char*, int)
SIMPLE_HOOK2(mkstemps, char*, int)
SIMPLE_HOOK2(mkstemps64, char*, int)

REAL_FN(inotify_init)
HOOK int inotify_init(void) {
  if (!real_inotify_init()) NO_REAL(-1);
  int fd = real_inotify_init()();
  FD_RESULT(fd, inotify_init);
  return fd;
}

/* signalfd(-1, ...) creates; signalfd(fd, ...) updates an existing one. */
REAL_FN(signalfd)
HOOK int signalfd(int fd, const sigset_t* mask, int flags) {
  if (!real_signalfd()) NO_REAL(-1);
  int r = real_signalfd()(fd, mask, flags);
  if (fd == -1) FD_RESULT(r, signalfd);
  return r;
}

#define MKOSTEMPS_HOOK(name)                                \
  REAL_FN(name)                                             \
  HOOK int name(char* tmpl, int suffixlen, int flags) {     \
    if (!real_##name()) NO_REAL(-1);                        \
    int fd = real_##name()(tmpl, suffixlen, flags);         \
    FD_RESULT(fd, name);                                    \
    return fd;                                              \
  }
MKOSTEMPS_HOOK(mkostemps)
MKOSTEMPS_HOOK(mkostemps64)

REAL_FN(shm_open)
HOOK int shm_open(const char* name, int flags, mode_t mode) {
  if (!real_shm_open()) NO_REAL(-1);
  int fd = real_shm_open()(name, flags, mode);
  FD_RESULT(fd, shm_open);
  return fd;
}

/* ---- stdio and dirent streams ------------------------------------------ */

#define FOPEN_HOOK(name)                                           \
  REAL_FN(name)                                                    \
  HOOK FILE* name(const char* path, const char* mode) {            \
    if (!real_##name()) NO_REAL(NULL);                             \
    FILE* fp = real_##name()(path, mode);                          \
    STREAM_RESULT(fp, file_fd(fp), name);                  \
    return fp;                                                     \
  }
FOPEN_HOOK(fopen)
FOPEN_HOOK(fopen64)
FOPEN_HOOK(popen)

/* freopen closes the stream's descriptor internally and opens another
 * (often with the same number). */
#define FREOPEN_HOOK(name)                                                   \
  REAL_FN(name)                                                              \
  HOOK FILE* name(const char* path, const char* mode, FILE* stream) {        \
    if (!real_##name()) NO_REAL(NULL);                                       \
    int old = stream ? file_fd(stream) : -1;                         \
    unsigned long long began = fdscope_now_ns();                             \
    FILE* fp = real_##name()(path, mode, stream);                            \
    int fd = fp ? file_fd(fp) : -1;                                  \
    if (old >= 0 && old != fd) fdscope_closed_range(old, old, began);        \
    STREAM_RESULT(fp, fd, name);                                             \
    return fp;                                                               \
  }
FREOPEN_HOOK(freopen)
FREOPEN_HOOK(freopen64)

#define TMPFILE_HOOK(name)                              \
  REAL_FN(name)                                         \
  HOOK FILE* name(void) {                               \
    if (!real_##name()) NO_REAL(NULL);                  \
    FILE* fp = real_##name()();                         \
    STREAM_RESULT(fp, file_fd(fp), name);       \
    return fp;                                          \
  }
TMPFILE_HOOK(tmpfile)
TMPFILE_HOOK(tmpfile64)

REAL_FN(opendir)
HOOK DIR* opendir(const char* path) {
  if (!real_opendir()) NO_REAL(NULL);
  DIR* d = real_opendir()(path);
  STREAM_RESULT(d, dir_fd(d), opendir);
  return d;
}

/* fdopendir takes over an existing descriptor: keep the record of the call
 * that created it, if there is one. */
REAL_FN(fdopendir)
HOOK DIR* fdopendir(int fd) {
  if (!real_fdopendir()) NO_REAL(NULL);
  DIR* d = real_fdopendir()(fd);
  if (d) fdscope_adopted(fd, FDSCOPE_CALL_fdopendir);
  return d;
}

/* ---- release ----------------------------------------------------------- */

/* The record is dropped before the real close: once the kernel frees the
 * number another thread may get it, and its new record must not be undone. */
REAL_FN(close)
HOOK int close(int fd) {
  fdscope_closing(fd);
  int r = real_close() ? real_close()(fd) : (int)syscall(SYS_close, fd);
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
      if (fd >= 0) fdscope_closing(fd);             \
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

/* ---- calls that open descriptors inside glibc ----------------------------
 * Their descriptors go through glibc's internal calls, out of the hooks'
 * sight; they matter for the EMFILE trigger: in the Lambda story the first
 * visible failure is `getaddrinfo EMFILE`, on a libuv worker thread. */

REAL_FN(getaddrinfo)
HOOK int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints,
                     struct addrinfo** res) {
  if (!real_getaddrinfo()) return EAI_SYSTEM;
  int r = real_getaddrinfo()(node, service, hints, res);
  if (r == EAI_SYSTEM) fdscope_failed_with(FDSCOPE_CALL_getaddrinfo, errno);
  return r;
}

#define NSS_HOOK(name, T, Arg)                                  \
  REAL_FN(name)                                                 \
  HOOK T* name(Arg key) {                                       \
    if (!real_##name()) NO_REAL(NULL);                          \
    T* r = real_##name()(key);                                  \
    if (!r) fdscope_failed_with(FDSCOPE_CALL_##name, errno);    \
    return r;                                                   \
  }
NSS_HOOK(getpwnam, struct passwd, const char*)
NSS_HOOK(getpwuid, struct passwd, uid_t)
NSS_HOOK(getgrnam, struct group, const char*)
NSS_HOOK(getgrgid, struct group, gid_t)

/* The reentrant forms return the error number. */
#define NSS_R_HOOK(name, T, Arg)                                              \
  REAL_FN(name)                                                               \
  HOOK int name(Arg key, T* out, char* buf, size_t len, T** result) {         \
    if (!real_##name()) return ENOSYS;                                        \
    int r = real_##name()(key, out, buf, len, result);                        \
    if (r) fdscope_failed_with(FDSCOPE_CALL_##name, r);                       \
    return r;                                                                 \
  }
NSS_R_HOOK(getpwnam_r, struct passwd, const char*)
NSS_R_HOOK(getpwuid_r, struct passwd, uid_t)
NSS_R_HOOK(getgrnam_r, struct group, const char*)
NSS_R_HOOK(getgrgid_r, struct group, gid_t)

/* ---- the dump signal ------------------------------------------------------
 * Programs that reset every signal to its default at start-up (Node.js
 * does) would remove the dump handler: a request for the default action on
 * the dump signal is answered without touching the handler. A handler (or
 * SIG_IGN) the program installs replaces the library's. */

REAL_FN(sigaction)
HOOK int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  if (!real_sigaction()) NO_REAL(-1);
  switch (fdscope_signal_filter(sig, act, old)) {
    case FDSCOPE_SIG_DONE: return 0;
    case FDSCOPE_SIG_INSTALL: return real_sigaction()(sig, act, NULL);
    default: return real_sigaction()(sig, act, old);
  }
}

REAL_FN(signal)
HOOK sighandler_t signal(int sig, sighandler_t handler) {
  if (!real_signal()) NO_REAL(SIG_ERR);
  struct sigaction act, old;
  memset(&act, 0, sizeof(act));
  act.sa_handler = handler;
  switch (fdscope_signal_filter(sig, &act, &old)) {
    case FDSCOPE_SIG_DONE: return old.sa_handler;
    case FDSCOPE_SIG_INSTALL: real_signal()(sig, handler); return old.sa_handler;
    default: return real_signal()(sig, handler);
  }
}

/* The library constructor: tracking starts before main. */
__attribute__((constructor)) static void fdscope_constructor(void) { fdscope_init(); }
