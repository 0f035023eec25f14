// SPDX-License-Identifier: MIT
#include "util/scratch.h"

#include "platform/sys.h"

namespace fdscope {

// The reservation is address space only (MAP_NORESERVE): pages are touched,
// and so paid for, as the dump uses them.
Scratch::Scratch(size_t reserve_bytes)
    : base_(static_cast<char*>(sys::ops.map(reserve_bytes))), size_(reserve_bytes) {}

Scratch::~Scratch() {
  if (base_) sys::ops.unmap(base_, size_);
}

void* Scratch::alloc_bytes(size_t bytes, size_t align) {
  if (!base_) return nullptr;
  size_t at = (used_ + align - 1) & ~(align - 1);
  if (at + bytes > size_ || at + bytes < at) return nullptr;
  used_ = at + bytes;
  return base_ + at;
}

}  // namespace fdscope
