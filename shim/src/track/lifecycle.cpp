// SPDX-License-Identifier: MIT
#include "track/lifecycle.h"

#include <pthread.h>
#include <stdlib.h>

#include <atomic>

#include "dump/double_close.h"
#include "dump/dump.h"
#include "dump/output_file.h"
#include "dump/process_info.h"
#include "dump/published_state.h"
#include "fdscope_common/process_state.h"
#include "lang/lang.h"
#include "platform/reserve_fd.h"
#include "platform/sys.h"
#include "stacks/unwind.h"
#include "state/fd_table.h"
#include "state/site_counts.h"
#include "state/options.h"
#include "state/thread_state.h"
#include "track/tracker.h"
#include "track/triggers.h"

namespace fdscope {
namespace {

std::atomic<int> g_init_state{0};  // 0 none, 1 running, 2 done
std::atomic<int> g_owner_pid{0};
std::atomic<bool> g_loaded_late{false};

// The forking thread is the child's only thread: state that other threads
// of the parent held (a slot, the dump lock) is released, and the child
// writes dumps of its own.
// A fork from a signal handler that interrupted the library in this very
// thread (possibly inside libunwind, holding a pool) must not wait for
// itself: the pools are then left as they are.
__thread bool t_fork_holds_unwinder __attribute__((tls_model("initial-exec")));

void before_fork() {
  t_fork_holds_unwinder = thread_state().depth == 0;
  if (t_fork_holds_unwinder) unwind_before_fork();
}

void after_fork_parent() {
  if (t_fork_holds_unwinder) unwind_after_fork();
}

void after_fork_child() {
  if (t_fork_holds_unwinder) unwind_after_fork();
  g_owner_pid.store(sys::getpid(), std::memory_order_relaxed);
  reserve_after_fork();
  state_after_fork();
  fd_table().release_all_after_fork();
  site_counts_after_fork(sys::coarse_monotonic_ns(), tracked_open());
  thread_state_after_fork();
  dump_after_fork();
  double_close_after_fork();
  lang::after_fork();
}

void at_exit() {
  exit_dump();
  double_close_summary();
}

// The start-up itself, once; `options_text` null: FDSCOPE_OPTIONS.
void init_once(const char* options_text) {
  int expected = 0;
  if (!g_init_state.compare_exchange_strong(expected, 1)) return;  // done or under way
  ShimScope scope;
  g_owner_pid.store(sys::getpid(), std::memory_order_relaxed);
  if (options_text)
    load_options_from(options_text);
  else
    load_options();
  unwind_init();
  output_init();
  process_info_init();
  reserve_init(common::kStateName);
  triggers_init();
  state_publish();
  pthread_atfork(before_fork, after_fork_parent, after_fork_child);
  atexit(at_exit);
  g_init_state.store(2, std::memory_order_release);
}

}  // namespace

bool initialized() { return g_init_state.load(std::memory_order_acquire) == 2; }

void ensure_init() {
  if (initialized() || g_loaded_late.load(std::memory_order_relaxed)) return;
  init_once(nullptr);
}

void set_loaded_late() { g_loaded_late.store(true, std::memory_order_relaxed); }
bool loaded_late() { return g_loaded_late.load(std::memory_order_relaxed); }

void init_with_options(const char* text) {
  if (!initialized()) {
    init_once(text);
    return;
  }
  ShimScope scope;
  load_options_from(text);
  output_init();
  output_restart();
  reserve_init(common::kStateName);
  triggers_init();
  state_publish();
}

void start_runtimes() {
  if (initialized()) lang::start(!loaded_late());
}

int owner_pid() { return g_owner_pid.load(std::memory_order_relaxed); }

}  // namespace fdscope
