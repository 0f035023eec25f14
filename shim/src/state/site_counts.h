// SPDX-License-Identifier: MIT
// How many descriptors each creating stack holds open now, and the most it
// held at once (the peak, and when): what a dump reports for sites whose
// descriptors were closed before it (a program that cleans up at exit).
//
// A descriptor counts for its "owner" stack: its language stack when it has
// one (the site the report groups it under), else its native stack.
//
// Concurrency: no lock. One cache line of atomics per stack, indexed by the
// stack's ordinal (stacks/stack_store.h), mapped on first use: a create or a
// close is one atomic add on its own stack's line; the peak is raised with a
// CAS only when the count passes it. Safe in signal handlers (lock-free
// atomics, mmap). The peak's time and its partner stack are written after
// the peak itself, so a dump racing with a new peak may pair them with the
// previous one's: harmless for a report.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "state/calls.h"
#include "state/fd_table.h"

namespace fdscope {

// The stack a record counts for (0: none).
inline uint32_t owner_stack(const FdRecord& r) { return r.lang_stack ? r.lang_stack : r.stack; }

// A descriptor created by `call` now counts for `owner`; `partner` is its
// native stack when `owner` is a language stack.
void count_opened(uint32_t owner, uint32_t partner, Call call, uint64_t now_mono_ns);
// A descriptor that counted for `owner` was closed.
void count_closed(uint32_t owner);

// Asks that closes of descriptors counted for `owner` record whole stacks
// (the site has had a double close).
void want_close_stacks(uint32_t owner);

// For a close, which needs both answers: the stack's counter, looked up
// once; whether its closes record whole stacks; the close itself.
struct SiteCounter;
SiteCounter* site_counter(uint32_t owner);  // nullptr: none (yet)
bool wants_close_stacks(const SiteCounter* c);
void count_closed(SiteCounter* c);

// Moves record r's count from its native stack to language stack `lang`.
void count_moved_to_lang(const FdRecord& r, uint32_t lang, uint64_t now_mono_ns);

struct StackPeak {
  uint32_t stack;
  uint32_t partner;  // native stack of a descriptor of a language stack's peak, 0: none
  int32_t open;
  int32_t peak;
  uint64_t peak_mono_ns;
  Call call;  // the call that reached the peak
};

// Copies into out[0..max) the stacks whose peak is at least 2 and above
// what they hold now (the others' peak is in the dump's fd lines already);
// returns how many.
size_t collect_peaks(StackPeak* out, size_t max);
// An upper bound for collect_peaks.
size_t peak_candidates();

// The process's tracked descriptors came to `open` (after a create): its
// own peak, for the dump's header.
void note_total_open(long open, uint64_t now_mono_ns);
struct TotalPeak {
  long peak;
  uint64_t mono_ns;
};
TotalPeak total_peak();

// In a fork child: the peaks start again from what the child inherited
// (`open` tracked descriptors).
void site_counts_after_fork(uint64_t now_mono_ns, long open);

}  // namespace fdscope
