// SPDX-License-Identifier: MIT
#include "stacks/stack_store.h"

#include <atomic>

#include "platform/lazy_map.h"

namespace fdscope {
namespace {

// The arena holds records [hash, depth | ordinal << 32, frames...] in 8-byte
// words; an id is the word offset of a record. Reserved lazily, never freed.
// The ordinal numbers records densely from 1, so that per-stack tables
// (state/site_counts) can be arrays: a record that lost the race to publish
// wastes its ordinal, which is why ordinals may exceed stack_count().
constexpr uint64_t kArenaWords = 8u << 20;  // 64 MiB of address space
// Two indexes: a small one (64 KiB) for the first stacks, and a large one
// (512 KiB) only once the small one is half full. Each id's slot is at a
// random place, so an index is soon resident as a whole: most programs'
// stacks fit in the small one.
constexpr uint32_t kSmallIndexSize = 1u << 14;  // power of two
constexpr uint32_t kSmallMax = kSmallIndexSize / 2;
constexpr uint32_t kIndexSize = 1u << 17;  // power of two
constexpr uint32_t kMaxStacks = kIndexSize / 2;

std::atomic<uint64_t*> g_arena{nullptr};
std::atomic<uint32_t*> g_small{nullptr};
std::atomic<uint32_t*> g_index{nullptr};
std::atomic<uint64_t> g_top{1};  // word 0 unused: id 0 means "none"
std::atomic<uint32_t> g_count{0};
std::atomic<uint32_t> g_small_count{0};
std::atomic<uint32_t> g_ordinals{0};

uint64_t hash_frames(const uintptr_t* f, unsigned n) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  for (unsigned i = 0; i < n; ++i) {
    h ^= f[i];
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h;
}

bool same(const uint64_t* rec, uint64_t hash, const uintptr_t* f, unsigned n) {
  if (rec[0] != hash || (uint32_t)rec[1] != n) return false;
  for (unsigned i = 0; i < n; ++i)
    if (rec[2 + i] != f[i]) return false;
  return true;
}

}  // namespace

namespace {

// Looks the stack up in one index (size: a power of two). When it is not
// there and `insert`, publishes our copy in the arena (*mine, appended on
// first need) at the first free slot. Returns its id, or 0: not there (or
// no room).
uint32_t probe(uint32_t* index, uint32_t size, std::atomic<uint32_t>* count, uint64_t* arena,
               uint64_t h, const uintptr_t* frames, unsigned depth, bool insert,
               uint32_t* mine) {
  uint32_t pos = (uint32_t)h & (size - 1);
  for (uint32_t n = 0; n < size; ++n, pos = (pos + 1) & (size - 1)) {
    uint32_t id = __atomic_load_n(&index[pos], __ATOMIC_ACQUIRE);
    if (id == 0) {
      if (!insert) return 0;
      if (!*mine) {
        if (g_count.load(std::memory_order_relaxed) >= kMaxStacks) return 0;
        uint64_t at = g_top.fetch_add(2 + depth, std::memory_order_relaxed);
        if (at + 2 + depth > kArenaWords) return 0;
        uint64_t* rec = arena + at;
        rec[0] = h;
        uint64_t ordinal = g_ordinals.fetch_add(1, std::memory_order_relaxed) + 1;
        rec[1] = depth | ordinal << 32;
        for (unsigned i = 0; i < depth; ++i) rec[2 + i] = frames[i];
        *mine = (uint32_t)at;
      }
      uint32_t expected = 0;
      if (__atomic_compare_exchange_n(&index[pos], &expected, *mine, false, __ATOMIC_RELEASE,
                                      __ATOMIC_ACQUIRE)) {
        g_count.fetch_add(1, std::memory_order_relaxed);
        if (count) count->fetch_add(1, std::memory_order_relaxed);
        return *mine;
      }
      id = expected;  // someone else published here first: compare with theirs
    }
    if (same(arena + id, h, frames, depth)) return id;
  }
  return 0;
}

}  // namespace

uint32_t intern_stack(const uintptr_t* frames, unsigned depth) {
  if (depth == 0) return 0;
  if (depth > kMaxDepth) depth = kMaxDepth;
  uint64_t* arena = lazy_map(g_arena, kArenaWords * 8);
  uint32_t* small = lazy_map(g_small, uint64_t(kSmallIndexSize) * 4);
  if (!arena || !small) return 0;

  const uint64_t h = hash_frames(frames, depth);
  uint32_t mine = 0;  // our appended copy, once made
  // New stacks go to the small index until it is half full (a racing
  // insert may take a few more), then to the large one; once full, the
  // small one stays so. (A stack two threads insert at that very moment
  // may get an id in each: both name the same frames.)
  const bool small_open = g_small_count.load(std::memory_order_relaxed) < kSmallMax;
  uint32_t id = probe(small, kSmallIndexSize, &g_small_count, arena, h, frames, depth,
                      small_open, &mine);
  if (id || small_open) return id;
  uint32_t* index = lazy_map(g_index, uint64_t(kIndexSize) * 4);
  if (!index) return 0;
  return probe(index, kIndexSize, nullptr, arena, h, frames, depth, true, &mine);
}

uint32_t intern_stack_hinted(const uintptr_t* frames, unsigned depth, uint32_t* hint) {
  if (depth > kMaxDepth) depth = kMaxDepth;
  StackView last = stack_frames(*hint);
  if (depth > 0 && last.depth == depth) {
    unsigned i = 0;
    while (i < depth && last.frames[i] == frames[i]) ++i;
    if (i == depth) return *hint;
  }
  return *hint = intern_stack(frames, depth);
}

StackView stack_frames(uint32_t id) {
  uint64_t* arena = g_arena.load(std::memory_order_acquire);
  if (!arena || id == 0 || id >= g_top.load(std::memory_order_relaxed)) return {nullptr, 0};
  const uint64_t* rec = arena + id;
  return {reinterpret_cast<const uintptr_t*>(rec + 2), (uint32_t)rec[1]};
}

uint32_t stack_ordinal(uint32_t id) {
  uint64_t* arena = g_arena.load(std::memory_order_acquire);
  if (!arena || id == 0 || id >= g_top.load(std::memory_order_relaxed)) return 0;
  return (uint32_t)(arena[id + 1] >> 32);
}

uint32_t stack_ordinals() { return g_ordinals.load(std::memory_order_relaxed); }

uint32_t stack_count() { return g_count.load(std::memory_order_relaxed); }

}  // namespace fdscope
