// SPDX-License-Identifier: MIT
#include "track/triggers.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <atomic>

#include "dump/dump.h"
#include "platform/sys.h"
#include "state/options.h"
#include "dump/published_state.h"

namespace fdscope {
namespace {

// The count at which the next threshold dump happens; recomputed from the
// soft limit when reached, since programs raise their limit at start-up
// (Node.js raises it to the hard limit).
std::atomic<long> g_next_threshold{0};

// EMFILE: one dump per episode. After a dump, the next EMFILE failure
// dumps again only once the count has first fallen by a tenth of the limit
// (descriptors were released, and the process ran out again).
std::atomic<bool> g_emfile_armed{true};
std::atomic<long> g_emfile_rearm_below{0};

// The dump signal: whether the library's handler is installed, and the
// action the program believes is installed (it asked for the default,
// which the handler stands in for).
std::atomic<bool> g_signal_ours{false};
std::atomic<bool> g_stopped{false};  // triggers_stop() until triggers_init()
std::atomic<long> g_stacks_from{0};  // stacks from this many open on
struct sigaction g_program_action;

uint64_t soft_limit() {
  struct rlimit lim{};
  sys::ops.getrlimit_nofile(&lim);
  return lim.rlim_cur;
}

long tenth(uint64_t limit) { return limit / 10 > 0 ? (long)(limit / 10) : 1; }

long threshold_for(uint64_t limit) {
  const Options& o = options();
  if (o.threshold == 0) return 0;
  if (!o.threshold_percent) return o.threshold;
  long t = (long)(limit * o.threshold / 100);
  return t > 0 ? t : 1;
}

void on_signal(int, siginfo_t*, void*) { write_dump(Reason::kSignal, nullptr); }

bool is_default(const struct sigaction& a) {
  return !(a.sa_flags & SA_SIGINFO) && a.sa_handler == SIG_DFL;
}

void install_signal_handler() {
  int sig = options().signal;
  if (sig <= 0) return;
  struct sigaction old{};
  if (sigaction(sig, nullptr, &old) != 0) return;
  // A disposition someone set before us (ignored by the parent, say) stays.
  if (!is_default(old)) return;
  g_program_action = old;
  struct sigaction sa{};
  sa.sa_sigaction = on_signal;
  // Not SA_ONSTACK: an alternate signal stack is often small, and the dump
  // wants a few kilobytes of stack (its bulk lives in mapped scratch).
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, nullptr) == 0) {
    g_signal_ours.store(true);
    state_set_signal_owner("library");
  }
}

}  // namespace

void triggers_init() {
  g_stopped.store(false);
  const uint64_t limit = soft_limit();
  g_next_threshold.store(threshold_for(limit));
  const Options& o = options();
  g_stacks_from.store(o.stacks_from_percent ? (long)(limit * o.stacks_from / 100)
                                            : (long)o.stacks_from);
  install_signal_handler();
}

void triggers_stop() {
  g_stopped.store(true);
  g_next_threshold.store(0);
  if (g_signal_ours.exchange(false)) sigaction(options().signal, &g_program_action, nullptr);
}

void exit_dump() {
  if (options().at_exit && !g_stopped.load()) write_dump(Reason::kExit, nullptr);
}

bool stacks_wanted(long open) { return open >= g_stacks_from.load(std::memory_order_relaxed); }

void after_create(long open) {
  long next = g_next_threshold.load(std::memory_order_relaxed);
  if (next <= 0 || open < next) return;
  uint64_t limit = soft_limit();
  long now_next = threshold_for(limit);
  // Re-armed thresholds sit above the configured one: keep the larger.
  if (now_next < next) now_next = next;
  if (open < now_next) {
    g_next_threshold.compare_exchange_strong(next, now_next);
    return;
  }
  // One thread wins the crossing; the others see the raised mark.
  if (!g_next_threshold.compare_exchange_strong(next, now_next + tenth(limit))) return;
  write_dump(Reason::kThreshold, nullptr);
  if (options().action == Action::kAbort) abort();
}

void after_create_failed(Call call, int, long open) {
  if (!options().on_emfile || g_stopped.load(std::memory_order_relaxed)) return;
  bool armed = true;
  if (!g_emfile_armed.compare_exchange_strong(armed, false)) return;
  g_emfile_rearm_below.store(open - tenth(soft_limit()));
  write_dump(Reason::kEmfile, nullptr, call_name(call));
}

void after_close(long open) {
  if (!g_emfile_armed.load(std::memory_order_relaxed) &&
      open < g_emfile_rearm_below.load(std::memory_order_relaxed))
    g_emfile_armed.store(true, std::memory_order_relaxed);
}

SigDecision filter_sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  if (sig != options().signal || !g_signal_ours.load()) return SigDecision::kPass;
  if (old) *old = g_program_action;
  if (!act) return SigDecision::kDone;
  if (is_default(*act)) {
    g_program_action = *act;  // the handler stays; the program sees its default
    return SigDecision::kDone;
  }
  // The program's own handler (or SIG_IGN) takes precedence.
  g_signal_ours.store(false);
  state_set_signal_owner("program");
  return SigDecision::kInstall;
}

}  // namespace fdscope
