// SPDX-License-Identifier: MIT
#include "platform/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

#include "platform/raw_syscall.h"

namespace fdscope::sys {
namespace {

long do_openat(int dirfd, const char* path, int flags, int mode) {
  return raw_syscall(SYS_openat, dirfd, path, flags, mode);
}
long do_close(int fd) { return raw_syscall(SYS_close, fd); }
long do_read(int fd, void* buf, size_t len) { return raw_syscall(SYS_read, fd, buf, len); }
long do_write(int fd, const void* buf, size_t len) {
  return raw_syscall(SYS_write, fd, buf, len);
}
long do_readlinkat(int dirfd, const char* path, char* buf, size_t len) {
  return raw_syscall(SYS_readlinkat, dirfd, path, buf, len);
}
long do_fstat(int fd, struct stat* st) { return raw_syscall(SYS_fstat, fd, st); }
long do_getdents64(int fd, void* buf, size_t len) {
  return raw_syscall(SYS_getdents64, fd, buf, len);
}
long do_dup_at_least(int fd, int min_fd) {
  return raw_syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, min_fd);
}
long do_getsockopt(int fd, int level, int name, void* val, unsigned* len) {
  return raw_syscall(SYS_getsockopt, fd, level, name, val, len);
}
long do_getsockname(int fd, struct sockaddr* addr, unsigned* len) {
  return raw_syscall(SYS_getsockname, fd, addr, len);
}
long do_getpeername(int fd, struct sockaddr* addr, unsigned* len) {
  return raw_syscall(SYS_getpeername, fd, addr, len);
}
long do_getrlimit_nofile(struct rlimit* lim) {
  return raw_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, lim);
}
long do_setrlimit_nofile(const struct rlimit* lim) {
  return raw_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, lim, 0);
}
long do_uname(struct utsname* u) { return raw_syscall(SYS_uname, u); }
void* do_map(size_t len) {
  long r = raw_syscall(SYS_mmap, 0, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return raw_failed(r) ? nullptr : (void*)r;
}
long do_unmap(void* addr, size_t len) { return raw_syscall(SYS_munmap, addr, len); }
void* do_map_file(int fd, size_t len) {
  long r = raw_syscall(SYS_mmap, 0, len, PROT_READ, MAP_PRIVATE, fd, 0);
  return raw_failed(r) ? nullptr : (void*)r;
}
long do_protect(void* addr, size_t len, int prot) {
  return raw_syscall(SYS_mprotect, addr, len, prot);
}

long do_memfd(const char* name) { return raw_syscall(SYS_memfd_create, name, MFD_CLOEXEC); }
long do_pwrite(int fd, const void* buf, size_t len, long offset) {
  return raw_syscall(SYS_pwrite64, fd, buf, len, offset);
}
long do_dup_onto(int fd, int target) { return raw_syscall(SYS_dup3, fd, target, O_CLOEXEC); }

}  // namespace

FDSCOPE_OPS_CONST Ops ops = {do_openat,      do_close,        do_read,      do_write,
           do_readlinkat,  do_fstat,        do_getdents64, do_dup_at_least,
           do_getsockopt,  do_getsockname,  do_getpeername, do_getrlimit_nofile,
           do_setrlimit_nofile,
           do_uname,       do_map,          do_unmap,     do_map_file,
           do_memfd,       do_pwrite,       do_dup_onto,
           do_protect};

int gettid() { return (int)raw_syscall(SYS_gettid); }
int getpid() { return (int)raw_syscall(SYS_getpid); }
int getppid() { return (int)raw_syscall(SYS_getppid); }
void yield() { raw_syscall(SYS_sched_yield); }

// clock_gettime is async-signal-safe (POSIX) and served by the vDSO; it
// only sets errno on an invalid clock id, which these are not.
uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
uint64_t coarse_monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
uint64_t realtime_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long write_all(int fd, const void* buf, size_t len) {
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    long n = ops.write(fd, p, len);
    if (n == -EINTR) continue;
    if (n < 0) return n;
    if (n == 0) return -EIO;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

}  // namespace fdscope::sys
