// SPDX-License-Identifier: MIT
// Per-thread state of the shim, in initial-exec TLS: a preloaded library
// gets static TLS, and this model never calls __tls_get_addr (which may
// allocate) to reach it.
#pragma once

#include <stdint.h>

namespace fdscope {

struct ThreadState {
  int depth;               // > 0 while this thread is inside the shim
  int tid;                 // cached gettid(); 0 = not yet known
  uint64_t name_mono_ns;   // when `name` was last read
  char name[16];
  uint32_t name_id;        // `name` interned (stacks/blob_store.h)
};

ThreadState& thread_state();

// The calling thread's id and name, cached; the name is re-read at most once
// a second, since threads may rename themselves after they start.
int current_tid();
const char* current_thread_name(uint64_t now_mono_ns);
// The same, interned: what a descriptor's record keeps.
uint32_t current_thread_name_id(uint64_t now_mono_ns);

// The forking thread is the child's only thread, with a new id.
void thread_state_after_fork();

// Marks the thread as inside the shim for its lifetime, and keeps the host's
// errno: everything the shim does between is invisible to the host. A nested
// scope (a hook reached from inside the shim, e.g. from a signal handler that
// interrupted it) reports nested() so the caller can step aside.
class ShimScope {
 public:
  ShimScope();
  ~ShimScope();
  bool nested() const { return nested_; }
  ShimScope(const ShimScope&) = delete;
  ShimScope& operator=(const ShimScope&) = delete;

 private:
  ThreadState& t_;
  int saved_errno_;
  bool nested_;
};

}  // namespace fdscope
