// SPDX-License-Identifier: MIT
#include "stacks/blob_store.h"

#include <string.h>

#include <atomic>

#include "platform/lazy_map.h"

namespace fdscope {
namespace {

// Records [hash, len, bytes padded to 8...] in 8-byte words; an id is the
// word offset of a record. Reserved lazily, never freed.
constexpr uint64_t kArenaWords = 1u << 20;  // 8 MiB of address space
constexpr uint32_t kIndexSize = 1u << 15;   // power of two
constexpr uint32_t kMaxBlobs = kIndexSize / 2;

std::atomic<uint64_t*> g_arena{nullptr};
std::atomic<uint32_t*> g_index{nullptr};
std::atomic<uint64_t> g_top{1};  // word 0 unused: id 0 means "none"
std::atomic<uint32_t> g_count{0};

uint64_t hash_bytes(const unsigned char* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h | 1;  // never 0: an arena word of 0 is no record
}

bool same(const uint64_t* rec, uint64_t hash, const void* data, size_t len) {
  return rec[0] == hash && rec[1] == len && memcmp(rec + 2, data, len) == 0;
}

}  // namespace

uint32_t intern_blob(const void* data, size_t len) {
  if (len == 0 || len > kMaxBlob) return 0;
  uint64_t* arena = lazy_map(g_arena, kArenaWords * 8);
  uint32_t* index = lazy_map(g_index, uint64_t(kIndexSize) * 4);
  if (!arena || !index) return 0;
  const uint64_t h = hash_bytes(static_cast<const unsigned char*>(data), len);
  const uint64_t words = 2 + (len + 7) / 8;
  uint32_t pos = (uint32_t)h & (kIndexSize - 1);
  uint32_t mine = 0;  // our appended copy, once made
  for (uint32_t probe = 0; probe < kIndexSize; ++probe, pos = (pos + 1) & (kIndexSize - 1)) {
    uint32_t id = __atomic_load_n(&index[pos], __ATOMIC_ACQUIRE);
    if (id == 0) {
      if (!mine) {
        if (g_count.load(std::memory_order_relaxed) >= kMaxBlobs) return 0;
        uint64_t at = g_top.fetch_add(words, std::memory_order_relaxed);
        if (at + words > kArenaWords) return 0;
        uint64_t* rec = arena + at;
        rec[0] = h;
        rec[1] = len;
        memcpy(rec + 2, data, len);
        mine = (uint32_t)at;
      }
      uint32_t expected = 0;
      if (__atomic_compare_exchange_n(&index[pos], &expected, mine, false, __ATOMIC_RELEASE,
                                      __ATOMIC_ACQUIRE)) {
        g_count.fetch_add(1, std::memory_order_relaxed);
        return mine;
      }
      id = expected;  // someone else published here first: compare with theirs
    }
    if (same(arena + id, h, data, len)) return id;
  }
  return 0;
}

const unsigned char* blob_bytes(uint32_t id, size_t* len) {
  uint64_t* arena = g_arena.load(std::memory_order_acquire);
  *len = 0;
  if (!arena || id == 0 || id >= g_top.load(std::memory_order_relaxed)) return nullptr;
  *len = (size_t)arena[id + 1];
  return reinterpret_cast<const unsigned char*>(arena + id + 2);
}

}  // namespace fdscope
