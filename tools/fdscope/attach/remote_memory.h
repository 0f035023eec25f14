// SPDX-License-Identifier: MIT
// Reading and writing another process's memory through /proc/PID/mem
// (which needs ptrace access to it: being its tracer, or root).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace fdscope::tool::attach {

class RemoteMemory {
 public:
  // Opens /proc/PID/mem for reading, and writing when `write`; ok() says
  // whether it could (errno set when not).
  RemoteMemory(long pid, bool write);
  ~RemoteMemory();
  RemoteMemory(const RemoteMemory&) = delete;
  RemoteMemory& operator=(const RemoteMemory&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool read(uint64_t addr, void* out, size_t n) const;
  bool write(uint64_t addr, const void* data, size_t n) const;
  // A NUL-terminated string of at most `max` bytes at addr ("" if unreadable).
  std::string read_string(uint64_t addr, size_t max) const;

 private:
  int fd_ = -1;
};

}  // namespace fdscope::tool::attach
