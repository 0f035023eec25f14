// SPDX-License-Identifier: MIT
// Per-isolate cache of interned JavaScript frames, keyed by the position V8
// reports (script id, line, column): a source position belongs to exactly
// one function, so a hit needs no string from V8 at all. Script ids are
// per isolate, hence one cache per isolate. Fixed size, allocation-free;
// a collision overwrites (the library interns again and dedups).
#pragma once

#include <stdint.h>

namespace fdscope_node {

// What the addon needs to know about a frame besides its id.
enum FrameFlags : uint8_t {
  kFrameHook = 1,    // our preload script or node's async_hooks plumbing: not the user's
  kFrameFsOpen = 2,  // a node:fs function whose request opens a descriptor on the threadpool
};

struct CachedFrame {
  uint64_t key;  // 0: empty
  uint32_t id;
  uint8_t flags;
};

class FrameCache {
 public:
  static uint64_t key(int script_id, int line, int column) {
    return (uint64_t(uint32_t(script_id)) << 40) ^ (uint64_t(uint32_t(line)) << 20) ^ uint32_t(column) ^
           (1ull << 63);
  }
  const CachedFrame* find(uint64_t k) const {
    const CachedFrame& e = slots_[index(k)];
    return e.key == k ? &e : nullptr;
  }
  void put(uint64_t k, uint32_t id, uint8_t flags) { slots_[index(k)] = CachedFrame{k, id, flags}; }

 private:
  static constexpr unsigned kSlots = 4096;
  static unsigned index(uint64_t k) { return unsigned((k * 0x9E3779B97F4A7C15ull) >> 52) % kSlots; }
  CachedFrame slots_[kSlots] = {};
};

}  // namespace fdscope_node
