// SPDX-License-Identifier: MIT
// Two ways for the frame reader to read the interpreter's memory.
//
// DirectMemory loads through pointers, as the interpreter itself does: the
// cost of a capture is a few dozen loads. It is only used once the layout
// has been seen to hold in this process (python_walk.cpp): a wrong layout
// would follow garbage pointers.
//
// CheckedMemory copies with process_vm_readv on the process itself: an
// unmapped address is an EFAULT, not a SIGSEGV. The first captures of a
// process use it, so that a layout that does not match the interpreter (a
// build the table does not describe) ends in "no Python stack", never in a
// crash of the host.
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "platform/raw_syscall.h"

namespace fdscope::lang::py {

// An address the interpreter could have put an object or frame at: past
// the zero page, in user space, 8-aligned (every object and frame is).
inline bool plausible(uintptr_t p) {
  return p >= 4096 && p < (uintptr_t(1) << 56) && (p & 7) == 0;
}

struct DirectMemory {
  static constexpr bool kCached = true;  // frame ids may be looked up by address
  template <class T>
  bool load(uintptr_t addr, T* out) {
    *out = *reinterpret_cast<const volatile T*>(addr);
    return true;
  }
  // `n` bytes at addr; they stay valid while the object lives.
  const char* bytes(uintptr_t addr, size_t, char*) { return reinterpret_cast<const char*>(addr); }
};

struct CheckedMemory {
  static constexpr bool kCached = false;  // the layout is on trial: read everything
  long pid = raw_syscall(SYS_getpid);
  bool unavailable = false;  // the kernel or a seccomp filter refused the call
  bool faulted = false;      // an address was not readable

  bool copy(uintptr_t addr, void* out, size_t n) {
    if (unavailable || faulted) return false;
    struct iovec local = {out, n};
    struct iovec remote = {reinterpret_cast<void*>(addr), n};
    long r = raw_syscall(SYS_process_vm_readv, pid, &local, 1, &remote, 1, 0);
    if (r == static_cast<long>(n)) return true;
    if (r == -ENOSYS || r == -EPERM) unavailable = true;
    else faulted = true;
    return false;
  }
  template <class T>
  bool load(uintptr_t addr, T* out) {
    return copy(addr, out, sizeof(T));
  }
  // A copy of `n` bytes at addr in buf (n must fit), or nullptr.
  const char* bytes(uintptr_t addr, size_t n, char* buf) { return copy(addr, buf, n) ? buf : nullptr; }
};

}  // namespace fdscope::lang::py
