// SPDX-License-Identifier: MIT
// A memo of the calling thread's last traces, so that a site creating
// descriptors again and again from the same stack (what a leak does) pays
// for its walk once.
//
// Why it is sound: the fast trace (libunwind's src/x86_64/Gtrace.c) is a
// function of its start (rip, rsp, rbp), of the frame rules it keeps per
// return address, and of the stack words it reads. The patched trace
// (cmake/libunwind/trace-memo.patch) logs those words with their addresses;
// a later capture from the same start whose logged words all read the same
// again would walk the same frames, so it takes the interned stack kept
// with them. The check reads word k only after words 0..k-1 matched, and
// then word k's address is the one the walk itself would compute, so it
// reads no memory the walk would not. Traces that needed validated reads
// (guessed frames) are not kept. RBP values the walk read but computed
// nothing from are not logged (cmake/libunwind/trace-unused-rbp.patch), nor
// is the start's RBP compared unless the walk used it: code built without
// frame pointers keeps data there, different at every call.
//
// Where it lives: in 8 KB that the patched libunwind maps with each
// thread's trace cache, so it is created with the thread's first capture,
// unmapped at its exit, zero when new, and costs no static TLS. An entry's
// log is written before its key says it is valid.
#pragma once

#include <signal.h>
#include <stdint.h>

#include "stacks/stack_store.h"

namespace fdscope {

// Where the host's frame begins: the unwind's start.
struct TraceStart {
  uintptr_t rip, rsp, rbp;
};

constexpr unsigned kMemoEntries = 2;
// Up to three words a frame (a signal frame's), two for ordinary ones.
constexpr int kMemoReads = 2 * (int)kMaxDepth + 8;

struct TraceMemoKey {
  TraceStart start;   // start.rip 0: empty
  uint32_t max;       // the frames asked for
  uint32_t stack;     // the interned result
  int nreads;         // pairs in the entry's log
  bool rbp_used;      // whether the walk computed anything from start.rbp
};

struct TraceMemo {
  volatile sig_atomic_t busy;  // a capture of this thread is under way
  unsigned next;               // the entry to replace next
  TraceMemoKey key[kMemoEntries];
  // Logs: (address, value) pairs, written only by the capture that fills
  // the entry.
  uintptr_t log[kMemoEntries][2 * kMemoReads];
};

// The calling thread's memo, or nullptr if libunwind could give no room.
TraceMemo* thread_trace_memo();

// The stack kept for this start, if every logged word still reads the same.
inline uint32_t memo_lookup(const TraceMemo& m, const TraceStart& s, unsigned max) {
  for (unsigned i = 0; i < kMemoEntries; ++i) {
    const TraceMemoKey& k = m.key[i];
    if (k.start.rip != s.rip || k.start.rsp != s.rsp || k.max != max ||
        (k.rbp_used && k.start.rbp != s.rbp))
      continue;
    const uintptr_t* p = m.log[i];
    const uintptr_t* end = p + 2 * k.nreads;
    while (p != end && *reinterpret_cast<const uintptr_t*>(p[0]) == p[1]) p += 2;
    if (p == end) return k.stack;
  }
  return 0;
}

}  // namespace fdscope
