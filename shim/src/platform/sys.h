// Every contact the shim makes with the OS for its own purposes (dump files,
// /proc reads, descriptor inspection) goes through this table of raw system
// calls. They return the result or -errno, leave errno alone, take no locks,
// and never reach the shim's interposers. Tests swap entries to inject
// failures (a full disk, an unwritable directory).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct stat;
struct sockaddr;
struct rlimit;
struct utsname;

namespace fdscope::sys {

struct Ops {
  long (*openat)(int dirfd, const char* path, int flags, int mode);
  long (*close)(int fd);
  long (*read)(int fd, void* buf, size_t len);
  long (*write)(int fd, const void* buf, size_t len);
  long (*readlinkat)(int dirfd, const char* path, char* buf, size_t len);
  long (*fstat)(int fd, struct stat* st);
  long (*getdents64)(int fd, void* buf, size_t len);
  long (*dup_at_least)(int fd, int min_fd);  // F_DUPFD_CLOEXEC
  long (*getsockopt)(int fd, int level, int name, void* val, unsigned* len);
  long (*getsockname)(int fd, struct sockaddr* addr, unsigned* len);
  long (*getpeername)(int fd, struct sockaddr* addr, unsigned* len);
  long (*getrlimit_nofile)(struct rlimit* lim);
  long (*setrlimit_nofile)(const struct rlimit* lim);
  long (*uname)(struct utsname* u);
  void* (*map)(size_t len);  // anonymous read-write pages, nullptr on failure
  long (*unmap)(void* addr, size_t len);
  void* (*map_file)(int fd, size_t len);  // read-only private file mapping
};

extern Ops ops;

// Thin conveniences over ops.
int gettid();
int getpid();
int getppid();
uint64_t monotonic_ns();
// Tick-resolution (1-4 ms) monotonic time: a memory read in the vDSO, for
// the hot path's creation times (ages are reported in ms).
uint64_t coarse_monotonic_ns();
uint64_t realtime_ns();
void yield();

// Writes all of buf or returns the negative errno of the failure.
long write_all(int fd, const void* buf, size_t len);

}  // namespace fdscope::sys
