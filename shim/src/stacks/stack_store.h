// SPDX-License-Identifier: MIT
// Interned call stacks: each distinct stack is stored once and named by a
// small id, so memory grows with the number of distinct call sites, not with
// the number of calls.
//
// Lock-free: lookups only read; a new stack is appended to an arena (one
// atomic bump) and published with a CAS into a tiered open-addressing
// index (util/tiered_index.h: one id per stack, also as a tier fills).
// When the index is full, new stacks get id 0 ("not recorded") rather than
// growing without bound.
#pragma once

#include <stdint.h>

#include "util/tiered_index.h"

namespace fdscope {

// Index tiers of 4 KiB, 64 KiB and 512 KiB: most programs' stacks fit in
// the first page or two; at most ~74,000 stacks.
using StackIndex = TieredIndex<10, 14, 17>;

constexpr unsigned kMaxDepth = 64;

struct StackView {
  const uintptr_t* frames;
  unsigned depth;
};

// Returns the id of the stack (>= 1), or 0 if it could not be stored.
uint32_t intern_stack(const uintptr_t* frames, unsigned depth);

// The same, trying *hint first (a stack this thread interned last: loops
// create from one place), and leaving the id in *hint. A hint is only
// compared, never trusted, so a stale one (a signal handler's) is harmless.
uint32_t intern_stack_hinted(const uintptr_t* frames, unsigned depth, uint32_t* hint);

// The frames of a stored stack; depth 0 for an unknown id.
StackView stack_frames(uint32_t id);

// Number of distinct stacks stored.
uint32_t stack_count();

// A dense number for a stored stack, from 1 (0 for an unknown id), for
// tables indexed by stack; at most stack_ordinals().
uint32_t stack_ordinal(uint32_t id);
uint32_t stack_ordinals();

}  // namespace fdscope
