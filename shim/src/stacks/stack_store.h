// SPDX-License-Identifier: MIT
// Interned call stacks: each distinct stack is stored once and named by a
// small id, so memory grows with the number of distinct call sites, not with
// the number of calls.
//
// Lock-free: lookups only read; a new stack is appended to an arena (one
// atomic bump) and published with a CAS into an open-addressing index. Two
// threads inserting the same new stack at once both append it; one wins the
// index slot and the other's copy is left unused (rare, and bounded by the
// number of threads). The index is a small one for the first stacks and a
// large one for more (stacks/stack_store.cpp; a stack keeps one id across
// the change); when that is half full, new stacks get id 0 ("not
// recorded") rather than growing without bound.
#pragma once

#include <stdint.h>

namespace fdscope {

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

#ifdef FDSCOPE_TESTING
// Called by intern_stack once it has chosen the index a new stack would go
// to (small_open: the small one), before it looks: tests hold a thread there.
extern void (*stack_store_after_choice)(bool small_open);
#endif

}  // namespace fdscope
