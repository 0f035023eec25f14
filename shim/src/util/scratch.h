// SPDX-License-Identifier: MIT
// Memory for one dump: an anonymous mapping, bump-allocated and released as
// a whole when the dump ends. mmap/munmap are plain system calls, so this is
// usable where malloc is not (a signal handler, a fork child, inside malloc).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace fdscope {

class Scratch {
 public:
  explicit Scratch(size_t reserve_bytes);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  // Zeroed memory for n objects of T, or nullptr when the reservation is used up.
  template <typename T>
  T* alloc(size_t n) {
    return static_cast<T*>(alloc_bytes(n * sizeof(T), alignof(T)));
  }

 private:
  void* alloc_bytes(size_t bytes, size_t align);
  char* base_;
  size_t size_;
  size_t used_ = 0;
};

}  // namespace fdscope
