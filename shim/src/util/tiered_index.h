// SPDX-License-Identifier: MIT
// The index of the library's append-only interning stores (stacks, language
// frames, blobs): lock-free open addressing over 32-bit record ids, in tiers
// of growing size. A new record goes to the first tier that is less than
// half full; lookups walk the tiers in order.
//
// Why tiers: a record's slot is at a random place, so a single large index
// is soon resident as a whole. A process with a few dozen stacks touched a
// page of index for nearly each one (a page fault costs ~12 us in some
// VMs); its first tier is one page.
//
// Lock-free: lookups only read; a new record is appended by the store and
// published with a CAS. Two threads adding the same new record both append
// it; one wins the slot, the other's copy is left unused (rare, bounded by
// the number of threads).
//
// One record, one id, also as a tier fills: a thread that finds a tier
// full seals, with a CAS, the free slot where its record would have gone
// there (probe), so a thread that chose that tier an instant earlier sees
// the seal and moves on to the next tier as well, where one CAS gives both
// the same id.
#pragma once

#include <stdint.h>

#include <atomic>

#include "platform/lazy_map.h"

namespace fdscope {

#ifdef FDSCOPE_TESTING
// Called once a lookup has chosen whether it may add to `tier` (open),
// before it looks there: tests hold a thread at that point.
extern void (*tiered_index_after_choice)(unsigned tier, bool open);
#endif

// Log2Sizes: each tier's number of slots, as a power of two.
template <unsigned... Log2Sizes>
class TieredIndex {
 public:
  // The id of the record with this hash that same(id) accepts. Otherwise
  // the id make() returns (it appends a new record: called at most once;
  // 0 when there is no room), published. 0 when not found and not added.
  template <typename Same, typename Make>
  uint32_t find_or_add(uint64_t hash, const Same& same, const Make& make) {
    uint32_t mine = 0;  // our appended record, once made
    for (unsigned t = 0; t < kTiers; ++t) {
      uint32_t* slots = lazy_map(slots_[t], uint64_t(size(t)) * 4);
      if (!slots) return 0;
      const bool open = count_[t].load(std::memory_order_relaxed) < holds(t);
#ifdef FDSCOPE_TESTING
      if (tiered_index_after_choice) tiered_index_after_choice(t, open);
#endif
      // A full last tier has no next tier to send lookups to: not sealed.
      const bool seal = !open && t + 1 < kTiers;
      Probed p = probe(slots, size(t), hash, same, make, open, seal, &mine);
      if (p.id) {
        if (p.added) count_[t].fetch_add(1, std::memory_order_relaxed);
        return p.id;
      }
      if (!p.sealed) return 0;
    }
    return 0;
  }

  // How many records tier t takes before new ones go to the next.
  static constexpr uint32_t holds(unsigned t) { return size(t) / 2; }

  // Records published (those that lost a race are not counted).
  uint32_t count() const {
    uint32_t n = 0;
    for (unsigned t = 0; t < kTiers; ++t) n += count_[t].load(std::memory_order_relaxed);
    return n;
  }

 private:
  static constexpr unsigned kTiers = sizeof...(Log2Sizes);
  static constexpr unsigned kLog2[kTiers] = {Log2Sizes...};
  // Never an id: ids are offsets into the stores' arenas, far below it.
  static constexpr uint32_t kSealed = ~0u;

  static constexpr uint32_t size(unsigned t) { return 1u << kLog2[t]; }

  struct Probed {
    uint32_t id;  // found or added, or 0
    bool added;   // id is ours, just published
    bool sealed;  // not in this tier, and never will be: look in the next
  };

  // Walks one tier from the hash's slot to the first slot that holds the
  // record, or is sealed, or is free. Every thread looking for one record
  // walks the same slots, and a slot, once set, never changes: so the free
  // slot where one thread stops is where any other would put that record
  // in this tier. That slot is claimed with a CAS: with our record when
  // `insert`, else with kSealed when `seal`. A lost CAS shows what won.
  template <typename Same, typename Make>
  static Probed probe(uint32_t* slots, uint32_t size, uint64_t hash, const Same& same,
                      const Make& make, bool insert, bool seal, uint32_t* mine) {
    uint32_t pos = (uint32_t)hash & (size - 1);
    for (uint32_t n = 0; n < size; ++n, pos = (pos + 1) & (size - 1)) {
      uint32_t id = __atomic_load_n(&slots[pos], __ATOMIC_ACQUIRE);
      if (id == 0) {
        if (!insert && !seal) return {0, false, false};
        if (insert && !*mine && (*mine = make()) == 0) return {0, false, false};
        uint32_t claim = insert ? *mine : kSealed;
        uint32_t expected = 0;
        if (__atomic_compare_exchange_n(&slots[pos], &expected, claim, false, __ATOMIC_RELEASE,
                                        __ATOMIC_ACQUIRE))
          return claim == kSealed ? Probed{0, false, true} : Probed{claim, true, false};
        id = expected;  // another thread claimed it first: see with what
      }
      if (id == kSealed) return {0, false, true};
      if (same(id)) return {id, false, false};
    }
    return {0, false, true};  // no free slot: cannot be, half of each tier stays free of ids
  }

  std::atomic<uint32_t*> slots_[kTiers] = {};
  std::atomic<uint32_t> count_[kTiers] = {};
};

}  // namespace fdscope
