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
constinit StackIndex g_index;

std::atomic<uint64_t*> g_arena{nullptr};
std::atomic<uint64_t> g_top{1};  // word 0 unused: id 0 means "none"
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

// Appends a record of the stack; its id, or 0 when the arena is full.
uint32_t append(uint64_t* arena, uint64_t h, const uintptr_t* frames, unsigned depth) {
  uint64_t at = g_top.fetch_add(2 + depth, std::memory_order_relaxed);
  if (at + 2 + depth > kArenaWords) return 0;
  uint64_t* rec = arena + at;
  rec[0] = h;
  uint64_t ordinal = g_ordinals.fetch_add(1, std::memory_order_relaxed) + 1;
  rec[1] = depth | ordinal << 32;
  for (unsigned i = 0; i < depth; ++i) rec[2 + i] = frames[i];
  return (uint32_t)at;
}

}  // namespace

uint32_t intern_stack(const uintptr_t* frames, unsigned depth) {
  if (depth == 0) return 0;
  if (depth > kMaxDepth) depth = kMaxDepth;
  uint64_t* arena = lazy_map(g_arena, kArenaWords * 8);
  if (!arena) return 0;
  const uint64_t h = hash_frames(frames, depth);
  return g_index.find_or_add(
      h, [&](uint32_t id) { return same(arena + id, h, frames, depth); },
      [&] { return append(arena, h, frames, depth); });
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

uint32_t stack_count() { return g_index.count(); }

}  // namespace fdscope
