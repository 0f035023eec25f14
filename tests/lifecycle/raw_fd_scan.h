// /proc/self/fd read with raw system calls: nothing the shim sees, and
// async-signal-safe, for forked children and the helper program.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace lifecycle {

// Calls each_fd(fd) for every open descriptor, in directory order, leaving
// out the one that reads the directory.
template <typename EachFd>
void raw_scan_fds(EachFd&& each_fd) {
  int dir = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, dir, buf, sizeof(buf));
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      unsigned short reclen;
      memcpy(&reclen, buf + off + 16, sizeof(reclen));
      const char* name = buf + off + 19;
      off += reclen;
      if (name[0] < '0' || name[0] > '9') continue;
      int fd = atoi(name);
      if (fd != dir) each_fd(fd);
    }
  }
  syscall(SYS_close, dir);
}

}  // namespace lifecycle
