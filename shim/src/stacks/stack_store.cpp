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
// (512 KiB) only once the small one is half full (its free slots are then
// sealed as they are met, probe). Each id's slot is at a
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

// A slot of the small index that is closed for good: a stack that would
// have gone there is in the large index. Never an id (ids are arena word
// offsets, below kArenaWords).
constexpr uint32_t kSealed = ~0u;

// Appends our copy of the stack to the arena, once (*mine); false if there
// is no room.
bool append_once(uint64_t* arena, uint64_t h, const uintptr_t* frames, unsigned depth,
                 uint32_t* mine) {
  if (*mine) return true;
  if (g_count.load(std::memory_order_relaxed) >= kMaxStacks) return false;
  uint64_t at = g_top.fetch_add(2 + depth, std::memory_order_relaxed);
  if (at + 2 + depth > kArenaWords) return false;
  uint64_t* rec = arena + at;
  rec[0] = h;
  uint64_t ordinal = g_ordinals.fetch_add(1, std::memory_order_relaxed) + 1;
  rec[1] = depth | ordinal << 32;
  for (unsigned i = 0; i < depth; ++i) rec[2 + i] = frames[i];
  *mine = (uint32_t)at;
  return true;
}

// The result of looking in one index.
struct Probed {
  uint32_t id;  // the stack's id, or 0
  bool sealed;  // (small index) not there, and never will be: look in the large one
};

// Looks the stack up in one index (size: a power of two), stopping at the
// first slot that holds it, or is free, or sealed. A free slot is claimed
// with a CAS: with our copy (appended on first need) when `insert`, else,
// for the small index once it is full, with kSealed.
//
// Why sealing: every thread looking for one stack walks the same slots,
// and a slot, once filled, never changes. So the free slot where a thread
// decides "not in the small index" is the very slot where any other
// thread would put that stack there; sealing it with a CAS means either
// we see their copy (their CAS came first) or they see the seal and go
// to the large index too, where its CAS gives both one id. Without it, a
// thread that saw the small index open an instant before it filled could
// add the stack there while one that saw it full added it to the large
// one: one stack, two ids.
Probed probe(uint32_t* index, uint32_t size, std::atomic<uint32_t>* count, uint64_t* arena,
             uint64_t h, const uintptr_t* frames, unsigned depth, bool insert, bool seal,
             uint32_t* mine) {
  uint32_t pos = (uint32_t)h & (size - 1);
  for (uint32_t n = 0; n < size; ++n, pos = (pos + 1) & (size - 1)) {
    uint32_t id = __atomic_load_n(&index[pos], __ATOMIC_ACQUIRE);
    if (id == 0) {
      uint32_t claim = kSealed;
      if (insert) {
        if (!append_once(arena, h, frames, depth, mine)) return {0, false};
        claim = *mine;
      } else if (!seal) {
        return {0, false};
      }
      uint32_t expected = 0;
      if (__atomic_compare_exchange_n(&index[pos], &expected, claim, false, __ATOMIC_RELEASE,
                                      __ATOMIC_ACQUIRE)) {
        if (claim == kSealed) return {0, true};
        g_count.fetch_add(1, std::memory_order_relaxed);
        if (count) count->fetch_add(1, std::memory_order_relaxed);
        return {claim, false};
      }
      id = expected;  // someone else claimed it first: see what with
    }
    if (id == kSealed) return {0, true};
    if (same(arena + id, h, frames, depth)) return {id, false};
  }
  return {0, true};  // every slot taken (the small index cannot be, see kSmallMax)
}

}  // namespace

#ifdef FDSCOPE_TESTING
void (*stack_store_after_choice)(bool small_open) = nullptr;
#endif

uint32_t intern_stack(const uintptr_t* frames, unsigned depth) {
  if (depth == 0) return 0;
  if (depth > kMaxDepth) depth = kMaxDepth;
  uint64_t* arena = lazy_map(g_arena, kArenaWords * 8);
  uint32_t* small = lazy_map(g_small, uint64_t(kSmallIndexSize) * 4);
  if (!arena || !small) return 0;

  const uint64_t h = hash_frames(frames, depth);
  uint32_t mine = 0;  // our appended copy, once made
  // New stacks go to the small index until it is half full (racing
  // inserts may take a few more), then to the large one. A thread that
  // finds the small one full seals the slot its stack would take there
  // (probe), so a thread still inserting on the small one's last instant
  // cannot give it a second id.
  const bool small_open = g_small_count.load(std::memory_order_relaxed) < kSmallMax;
#ifdef FDSCOPE_TESTING
  if (stack_store_after_choice) stack_store_after_choice(small_open);
#endif
  Probed in_small = probe(small, kSmallIndexSize, &g_small_count, arena, h, frames, depth,
                          small_open, !small_open, &mine);
  if (in_small.id || !in_small.sealed) return in_small.id;
  uint32_t* index = lazy_map(g_index, uint64_t(kIndexSize) * 4);
  if (!index) return 0;
  return probe(index, kIndexSize, nullptr, arena, h, frames, depth, true, false, &mine).id;
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
