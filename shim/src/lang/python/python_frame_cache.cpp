// SPDX-License-Identifier: MIT
// The seqlock-per-entry cache of python_frame_cache.h.
#include "python_frame_cache.h"

#include <atomic>

namespace fdscope::lang::py {
namespace {

constexpr unsigned kEntries = 1024;  // 48 KiB of zero pages until used

struct Entry {
  std::atomic<uint64_t> seq;  // odd while being written
  std::atomic<uintptr_t> code, name, file;
  std::atomic<int32_t> addr, firstlineno;
  std::atomic<uint32_t> id;
};

Entry g_entries[kEntries];

Entry& slot(const FrameKey& k) {
  uint64_t h = (uint64_t(k.code) >> 4) * 0x9E3779B97F4A7C15ull ^ uint64_t(uint32_t(k.addr)) * 0xC2B2AE3D27D4EB4Full;
  return g_entries[(h >> 40) % kEntries];
}

}  // namespace

uint32_t cached_frame(const FrameKey& k) {
  Entry& e = slot(k);
  uint64_t s1 = e.seq.load(std::memory_order_acquire);
  if (s1 & 1) return 0;
  bool same = e.code.load(std::memory_order_relaxed) == k.code &&
              e.addr.load(std::memory_order_relaxed) == k.addr &&
              e.name.load(std::memory_order_relaxed) == k.name &&
              e.file.load(std::memory_order_relaxed) == k.file &&
              e.firstlineno.load(std::memory_order_relaxed) == k.firstlineno;
  uint32_t id = e.id.load(std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_acquire);
  return same && e.seq.load(std::memory_order_relaxed) == s1 ? id : 0;
}

void remember_frame(const FrameKey& k, uint32_t id) {
  Entry& e = slot(k);
  uint64_t s = e.seq.load(std::memory_order_relaxed);
  if ((s & 1) || !e.seq.compare_exchange_strong(s, s + 1, std::memory_order_relaxed)) return;
  std::atomic_thread_fence(std::memory_order_release);
  e.code.store(k.code, std::memory_order_relaxed);
  e.name.store(k.name, std::memory_order_relaxed);
  e.file.store(k.file, std::memory_order_relaxed);
  e.addr.store(k.addr, std::memory_order_relaxed);
  e.firstlineno.store(k.firstlineno, std::memory_order_relaxed);
  e.id.store(id, std::memory_order_relaxed);
  e.seq.store(s + 2, std::memory_order_release);
}

}  // namespace fdscope::lang::py
