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

constexpr unsigned kShimFramesMax = 8;

// unw_backtrace from the innermost frame outside the shim (unwind.cpp says
// how): at most `max` frames, all the host's. When that cannot be done, the
// ordinary unwind fills up to `room` (>= max) frames, led by the shim's own.
// Only that fallback needs the room: each frame the fast path walks and
// the caller would drop costs ~80 instructions.
int host_backtrace(void** out, int max, int room);

// The calling stack (up to max frames, from the first outside the shim),
// interned (stacks/stack_store.h): its id, 0 if none could be stored. The
// hot path of every create: inline, and interned from the unwinder's buffer
// without a copy.
inline uint32_t capture_interned(unsigned max) {
  void* raw[kMaxDepth + kShimFramesMax];
  if (max > kMaxDepth) max = kMaxDepth;
  if (!enter_unwinder()) return 0;
  int got = host_backtrace(raw, (int)max, (int)(max + kShimFramesMax));
  leave_unwinder();
  unsigned n = got > 0 ? (unsigned)got : 0, skip = 0;
  while (skip < n && in_shim(reinterpret_cast<uintptr_t>(raw[skip]))) ++skip;
  n -= skip;
  static_assert(sizeof(void*) == sizeof(uintptr_t));
  static __thread uint32_t last_stack __attribute__((tls_model("initial-exec")));
  return intern_stack_hinted(reinterpret_cast<const uintptr_t*>(raw + skip), n < max ? n : max,
                             &last_stack);
}


}  // namespace fdscope
