// SPDX-License-Identifier: MIT
#include "attach/remote_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

namespace fdscope::tool::attach {

RemoteMemory::RemoteMemory(long pid, bool write) {
  fd_ = open(fmt::format("/proc/{}/mem", pid).c_str(), (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
}

RemoteMemory::~RemoteMemory() {
  if (fd_ >= 0) close(fd_);
}

bool RemoteMemory::read(uint64_t addr, void* out, size_t n) const {
  return fd_ >= 0 && pread(fd_, out, n, (off_t)addr) == (ssize_t)n;
}

bool RemoteMemory::write(uint64_t addr, const void* data, size_t n) const {
  return fd_ >= 0 && pwrite(fd_, data, n, (off_t)addr) == (ssize_t)n;
}

std::string RemoteMemory::read_string(uint64_t addr, size_t max) const {
  std::string s(max, '\0');
  ssize_t n = fd_ >= 0 ? pread(fd_, s.data(), max, (off_t)addr) : -1;
  if (n <= 0) return "";
  s.resize(strnlen(s.data(), (size_t)n));
  return s;
}

}  // namespace fdscope::tool::attach
