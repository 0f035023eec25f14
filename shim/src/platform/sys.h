// SPDX-License-Identifier: MIT
// Every contact the library makes with the OS for its own purposes (dump
// files, /proc reads, descriptor inspection, its memory) goes through this
// table of raw system calls. They return the result or -errno, leave errno
// alone, take no locks, and never reach the library's interposers. Tests
// swap entries to inject failures (a full disk, an unwritable directory, a
// process at its descriptor limit): the table is writable only in test
// builds (FDSCOPE_TESTING), as jemalloc's JET_MUTABLE.
//
// The raw system calls made elsewhere are not the library's own contacts:
// the interposers' fallbacks and syscall hook (the host's calls),
// libunwind's redirected calls (stacks/unwind_wraps.cpp, platform/
// glibc_compat.cpp); and three that cannot fail in a way worth injecting:
// gettid/getpid here, the thread name (state/thread_state.cpp) and the run
// id's random bytes (dump/process_info.cpp).
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
  long (*memfd)(const char* name);         // memfd_create(name, MFD_CLOEXEC)
  long (*pwrite)(int fd, const void* buf, size_t len, long offset);
  long (*dup_onto)(int fd, int target);    // dup3(fd, target, O_CLOEXEC)
  long (*protect)(void* addr, size_t len, int prot);  // mprotect (GOT patching)
};

#ifdef FDSCOPE_TESTING
#define FDSCOPE_OPS_CONST
#else
#define FDSCOPE_OPS_CONST const
#endif
extern FDSCOPE_OPS_CONST Ops ops;

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
