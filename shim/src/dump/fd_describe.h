// SPDX-License-Identifier: MIT
// What a descriptor is and what it points at, read from the kernel at dump
// time with raw system calls: kind ("file", "socket", ...) and target (a path,
// or for sockets the protocol with local and peer address).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "state/fd_table.h"
#include "util/scratch.h"

namespace fdscope {

constexpr size_t kTargetMax = 640;

struct FdDescription {
  const char* kind;
  char target[kTargetMax];
};

// The file type of each path one dump has seen: a path is the one kind of
// target whose kind takes an fstat (a system call costs microseconds), and
// descriptors that show the same path are of one file type (a path names
// one file at a time; a file unlinked or replaced while open shows as
// "PATH (deleted)"). The exception, a file whose path a later mount
// covered, would be named with the type of the first one seen.
class PathModes {
 public:
  // Room for up to slots / 2 paths; false: no memory (nothing is kept).
  bool init(Scratch& scratch, size_t slots);
  bool find(const char* path, size_t len, unsigned* mode) const;
  void add(const char* path, size_t len, unsigned mode);

 private:
  struct Slot {
    uint64_t hash;
    const char* path;  // in the scratch memory
    size_t len;
    unsigned mode;
  };
  size_t at(uint64_t hash, const char* path, size_t len) const;
  Scratch* scratch_ = nullptr;
  Slot* slots_ = nullptr;
  size_t mask_ = 0;
  size_t used_ = 0;
};

// rec: the shim's record, or nullptr (untracked); a socket that is not (yet)
// connected shows the address its connect() was given. Opens nothing (the
// process may be out of descriptors). proc_fd: an open /proc/self/fd, whose
// entries are looked up without walking the whole path each time, or -1.
// modes: the types of the paths seen so far, or nullptr.
// Returns false if fd is no longer open.
bool describe_fd(int fd, const FdRecord* rec, FdDescription* out, int proc_fd = -1,
                 PathModes* modes = nullptr);

// "127.0.0.1:3306", "[::1]:80", "/run/x.sock", "@abstract"; returns length.
size_t format_sockaddr(const void* addr, size_t len, char* out, size_t cap);

}  // namespace fdscope
