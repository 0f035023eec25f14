// SPDX-License-Identifier: MIT
// What a descriptor is and what it points at, read from the kernel at dump
// time with raw system calls: kind ("file", "socket", ...) and target (a path,
// or for sockets the protocol with local and peer address).
#pragma once

#include <stddef.h>

#include "state/fd_table.h"

namespace fdscope {

constexpr size_t kTargetMax = 640;

struct FdDescription {
  const char* kind;
  char target[kTargetMax];
};

// rec: the shim's record, or nullptr (untracked); a socket that is not (yet)
// connected shows the address its connect() was given. Opens nothing (the
// process may be out of descriptors).
// Returns false if fd is no longer open.
bool describe_fd(int fd, const FdRecord* rec, FdDescription* out);

// "127.0.0.1:3306", "[::1]:80", "/run/x.sock", "@abstract"; returns length.
size_t format_sockaddr(const void* addr, size_t len, char* out, size_t cap);

}  // namespace fdscope
