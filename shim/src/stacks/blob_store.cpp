// SPDX-License-Identifier: MIT
#include "stacks/blob_store.h"

#include <string.h>

#include <atomic>

#include "platform/lazy_map.h"
#include "util/tiered_index.h"

namespace fdscope {
namespace {

// Records [hash, len, bytes padded to 8...] in 8-byte words; an id is the
// word offset of a record. Reserved lazily, never freed.
constexpr uint64_t kArenaWords = 1u << 20;  // 8 MiB of address space
// Index tiers of 4 KiB and 128 KiB (util/tiered_index.h): a program has
// few threads and few peers.
constinit TieredIndex<10, 15> g_index;

std::atomic<uint64_t*> g_arena{nullptr};
std::atomic<uint64_t> g_top{1};  // word 0 unused: id 0 means "none"

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
  if (!arena) return 0;
  const uint64_t h = hash_bytes(static_cast<const unsigned char*>(data), len);
  return g_index.find_or_add(
      h, [&](uint32_t id) { return same(arena + id, h, data, len); },
      [&]() -> uint32_t {
        const uint64_t words = 2 + (len + 7) / 8;
        uint64_t at = g_top.fetch_add(words, std::memory_order_relaxed);
        if (at + words > kArenaWords) return 0;
        uint64_t* rec = arena + at;
        rec[0] = h;
        rec[1] = len;
        memcpy(rec + 2, data, len);
        return (uint32_t)at;
      });
}

const unsigned char* blob_bytes(uint32_t id, size_t* len) {
  uint64_t* arena = g_arena.load(std::memory_order_acquire);
  *len = 0;
  if (!arena || id == 0 || id >= g_top.load(std::memory_order_relaxed)) return nullptr;
  *len = (size_t)arena[id + 1];
  return reinterpret_cast<const unsigned char*>(arena + id + 2);
}

}  // namespace fdscope
