// SPDX-License-Identifier: MIT
// Captures the calling stack, without the shim's own frames.
#pragma once

#include <stdint.h>

namespace fdscope {

// One-time set-up: finds the shim's own address range and lets libunwind
// initialise (it creates an internal pipe then) outside any host call.
void unwind_init();

// Fills frames with up to max return addresses, innermost first, starting
// at the first frame outside the shim. Returns the number stored.
unsigned capture_stack(uintptr_t* frames, unsigned max);

// The calling stack (up to max frames, from the first outside the shim),
// interned (stacks/stack_store.h): its id, 0 if none could be stored. The
// hot path of every create: unwound once, interned from the unwinder's
// buffer without a copy.
uint32_t capture_interned(unsigned max);

// True if addr lies in the shim's own code.
bool in_shim(uintptr_t addr);

}  // namespace fdscope
