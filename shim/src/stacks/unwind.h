// SPDX-License-Identifier: MIT
// Captures the calling stack, without the shim's own frames.
#pragma once

#include <stdint.h>

#include <atomic>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "stacks/stack_store.h"

namespace fdscope {

// One-time set-up: finds the shim's own address range and lets libunwind
// initialise (it creates an internal pipe then) outside any host call.
void unwind_init();

// Around fork (pthread_atfork, from track/lifecycle.cpp). While a thread
// parses unwind tables (libunwind's slow path, for a frame its trace cache
// has not seen) it holds locks: libunwind's memory pools and glibc's
// dl_iterate_phdr lock. A fork then leaves the child's first such unwind
// waiting forever. So a fork waits (bounded) until no other thread is in
// the unwinder, and captures that begin meanwhile record no stack.
void unwind_before_fork();
void unwind_after_fork();

// Threads inside unw_backtrace now, and whether a fork is waiting for them.
extern std::atomic<int> g_unwinding;
extern std::atomic<bool> g_fork_pending;

// Entered before an unwind: false (and nothing to undo) while a fork waits.
inline bool enter_unwinder() {
  g_unwinding.fetch_add(1, std::memory_order_seq_cst);
  if (!g_fork_pending.load(std::memory_order_seq_cst)) return true;
  g_unwinding.fetch_sub(1, std::memory_order_release);
  return false;
}
inline void leave_unwinder() { g_unwinding.fetch_sub(1, std::memory_order_release); }

// The shim's own code, [g_shim_lo, g_shim_hi) (set by unwind_init).
extern uintptr_t g_shim_lo, g_shim_hi;

// True if addr lies in the shim's own code.
inline bool in_shim(uintptr_t addr) { return addr >= g_shim_lo && addr < g_shim_hi; }

// The calling stack (up to max frames, from the first outside the shim),
// interned (stacks/stack_store.h): its id, 0 if none could be stored. The
// hot path of every create; unwind.cpp says how it stays cheap.
uint32_t capture_interned(unsigned max);

}  // namespace fdscope
