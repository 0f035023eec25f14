// SPDX-License-Identifier: MIT
#include "state/site_counts.h"

#include <atomic>

#include "platform/lazy_map.h"
#include "stacks/stack_store.h"

namespace fdscope {

// Own cache line each: threads that open from different stacks never share
// one; threads that open from the same stack share its count, which they
// must.
// `stack` and `partner` are stack ids that a dump follows into the stack
// store: stored with release and loaded with acquire, so that the stack's
// frames (written by whichever thread interned it) are visible to the
// dump that reads the id here. (Relaxed, ThreadSanitizer caught a dump
// reading a stack's frames with no order to the thread that wrote them.)
struct alignas(64) SiteCounter {
  std::atomic<uint32_t> stack;  // the id this ordinal belongs to; 0 until first use
  std::atomic<int32_t> open;
  std::atomic<int32_t> peak;
  std::atomic<uint32_t> partner;
  std::atomic<uint64_t> peak_mono_ns;
  std::atomic<uint32_t> call;
  std::atomic<bool> close_stacks;  // a descriptor of this stack was closed twice
};

namespace {

// Twice the stack store's capacity: lost publication races waste ordinals.
constexpr uint32_t kMaxCounters = 1u << 18;
std::atomic<SiteCounter*> g_counters{nullptr};
std::atomic<long> g_total_peak{0};
std::atomic<uint64_t> g_total_peak_ns{0};

SiteCounter* counter(uint32_t stack, bool create) {
  uint32_t ord = stack_ordinal(stack);
  if (ord == 0 || ord >= kMaxCounters) return nullptr;
  SiteCounter* all = create ? lazy_map(g_counters, uint64_t(kMaxCounters) * sizeof(SiteCounter))
                        : g_counters.load(std::memory_order_acquire);
  return all ? &all[ord] : nullptr;
}

void raise_peak(SiteCounter& c, int32_t now_open, uint32_t partner, Call call, uint64_t now) {
  int32_t peak = c.peak.load(std::memory_order_relaxed);
  while (now_open > peak)
    if (c.peak.compare_exchange_weak(peak, now_open, std::memory_order_relaxed)) {
      c.peak_mono_ns.store(now, std::memory_order_relaxed);
      c.partner.store(partner, std::memory_order_release);
      c.call.store(call, std::memory_order_relaxed);
      return;
    }
}

}  // namespace

void count_opened(uint32_t owner, uint32_t partner, Call call, uint64_t now) {
  SiteCounter* c = owner ? counter(owner, true) : nullptr;
  if (!c) return;
  if (c->stack.load(std::memory_order_relaxed) != owner)
    c->stack.store(owner, std::memory_order_release);
  int32_t open = c->open.fetch_add(1, std::memory_order_relaxed) + 1;
  raise_peak(*c, open, partner, call, now);
}

SiteCounter* site_counter(uint32_t owner) { return owner ? counter(owner, false) : nullptr; }

void count_closed(uint32_t owner) { count_closed(site_counter(owner)); }

bool wants_close_stacks(const SiteCounter* c) {
  return c && c->close_stacks.load(std::memory_order_relaxed);
}

void count_closed(SiteCounter* c) {
  if (c) c->open.fetch_sub(1, std::memory_order_relaxed);
}

void want_close_stacks(uint32_t owner) {
  if (SiteCounter* c = owner ? counter(owner, true) : nullptr)
    c->close_stacks.store(true, std::memory_order_relaxed);
}

void count_moved_to_lang(const FdRecord& r, uint32_t lang, uint64_t now) {
  count_closed(owner_stack(r));
  count_opened(lang, r.stack, r.call, now);
}

size_t peak_candidates() {
  uint32_t n = stack_ordinals();
  return n < kMaxCounters ? n : kMaxCounters - 1;
}

size_t collect_peaks(StackPeak* out, size_t max) {
  SiteCounter* all = g_counters.load(std::memory_order_acquire);
  if (!all) return 0;
  size_t n = 0;
  for (uint32_t ord = 1; ord <= peak_candidates() && n < max; ++ord) {
    SiteCounter& c = all[ord];
    int32_t peak = c.peak.load(std::memory_order_relaxed);
    int32_t open = c.open.load(std::memory_order_relaxed);
    uint32_t stack = c.stack.load(std::memory_order_acquire);
    if (stack == 0 || peak < 2 || peak <= open) continue;
    out[n++] = StackPeak{stack,
                         c.partner.load(std::memory_order_acquire),
                         open < 0 ? 0 : open,
                         peak,
                         c.peak_mono_ns.load(std::memory_order_relaxed),
                         (Call)c.call.load(std::memory_order_relaxed)};
  }
  return n;
}

void note_total_open(long open, uint64_t now) {
  long peak = g_total_peak.load(std::memory_order_relaxed);
  while (open > peak)
    if (g_total_peak.compare_exchange_weak(peak, open, std::memory_order_relaxed)) {
      g_total_peak_ns.store(now, std::memory_order_relaxed);
      return;
    }
}

TotalPeak total_peak() {
  return {g_total_peak.load(std::memory_order_relaxed),
          g_total_peak_ns.load(std::memory_order_relaxed)};
}

void site_counts_after_fork(uint64_t now, long open) {
  g_total_peak.store(open, std::memory_order_relaxed);
  g_total_peak_ns.store(now, std::memory_order_relaxed);
  SiteCounter* all = g_counters.load(std::memory_order_relaxed);
  if (!all) return;
  for (uint32_t ord = 1; ord <= peak_candidates(); ++ord) {
    SiteCounter& c = all[ord];
    if (c.stack.load(std::memory_order_relaxed) == 0) continue;
    int32_t open = c.open.load(std::memory_order_relaxed);
    c.peak.store(open > 0 ? open : 0, std::memory_order_relaxed);
    c.peak_mono_ns.store(now, std::memory_order_relaxed);
  }
}

}  // namespace fdscope
