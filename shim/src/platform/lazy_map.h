// SPDX-License-Identifier: MIT
// Memory mapped on first use and published once, for the library's
// append-only stores (stacks, language frames): the first thread to get
// there maps it; a thread that loses the race unmaps its copy.
#pragma once

#include <stdint.h>

#include <atomic>

#include "platform/sys.h"

namespace fdscope {

template <typename T>
T* lazy_map(std::atomic<T*>& slot, uint64_t bytes) {
  T* p = slot.load(std::memory_order_acquire);
  if (p) return p;
  T* fresh = static_cast<T*>(sys::ops.map(bytes));
  if (!fresh) return nullptr;
  T* expected = nullptr;
  if (slot.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) return fresh;
  sys::ops.unmap(fresh, bytes);
  return expected;
}

}  // namespace fdscope
