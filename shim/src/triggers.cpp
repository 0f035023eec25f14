#include "triggers.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <atomic>

#include "dump/dump.h"
#include "dump/output_file.h"
#include "dump/process_info.h"
#include "fd_table.h"
#include "options.h"
#include "reserve_fd.h"
#include "sys.h"
#include "thread_state.h"
#include "tracker.h"

namespace fdscope {
namespace {

// The count at which the next threshold dump happens; recomputed from the
// soft limit when reached, since programs raise their limit at start-up
// (Node.js raises it to the hard limit).
std::atomic<long> g_next_threshold{0};
std::atomic<bool> g_emfile_dumped{false};

uint64_t soft_limit() {
  struct rlimit lim{};
  sys::ops.getrlimit_nofile(&lim);
  return lim.rlim_cur;
}

long threshold_for(uint64_t limit) {
  const Options& o = options();
  if (o.threshold == 0) return 0;
  if (!o.threshold_percent) return o.threshold;
  long t = (long)(limit * o.threshold / 100);
  return t > 0 ? t : 1;
}

void on_signal(int, siginfo_t*, void*) { write_dump(Reason::kSignal, nullptr); }

void install_signal_handler() {
  int sig = options().signal;
  if (sig <= 0) return;
  struct sigaction old{};
  if (sigaction(sig, nullptr, &old) != 0) return;
  // A handler the program (or its parent, by ignoring) set up comes first.
  if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler != SIG_DFL) return;
  if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction) return;
  struct sigaction sa{};
  sa.sa_sigaction = on_signal;
  // Not SA_ONSTACK: an alternate signal stack is often small, and the dump
  // wants a few kilobytes of stack (its bulk lives in mapped scratch).
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, nullptr);
}

void at_exit_dump() {
  if (options().at_exit) write_dump(Reason::kExit, nullptr);
}

void after_fork_child() {
  tracker_after_fork();
  fd_table().release_all_after_fork();
  thread_state_after_fork();
  dump_after_fork();
}

}  // namespace

void triggers_init() {
  output_init();
  process_info_init();
  reserve_init();
  g_next_threshold.store(threshold_for(soft_limit()));
  install_signal_handler();
  pthread_atfork(nullptr, nullptr, after_fork_child);
  atexit(at_exit_dump);
}

void after_create(long open) {
  long next = g_next_threshold.load(std::memory_order_relaxed);
  if (next <= 0 || open < next) return;
  uint64_t limit = soft_limit();
  long now_next = threshold_for(limit);
  // Re-armed thresholds sit above the configured one: keep the larger.
  if (now_next < next) now_next = next;
  long step = (long)(limit / 10) > 0 ? (long)(limit / 10) : 1;
  if (open < now_next) {
    g_next_threshold.compare_exchange_strong(next, now_next);
    return;
  }
  // One thread wins the crossing; the others see the raised mark.
  if (!g_next_threshold.compare_exchange_strong(next, now_next + step)) return;
  write_dump(Reason::kThreshold, nullptr);
  if (options().action == Action::kAbort) abort();
}

void after_create_failed(Call, int) {
  if (!options().on_emfile) return;
  bool expected = false;
  if (!g_emfile_dumped.compare_exchange_strong(expected, true)) return;
  write_dump(Reason::kEmfile, nullptr);
}

}  // namespace fdscope
