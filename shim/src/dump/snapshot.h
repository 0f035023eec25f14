// SPDX-License-Identifier: MIT
// What a dump reports, taken before it writes anything: the descriptors
// that are really open (/proc/self/fd, less the library's own), each
// described now (before the dump opens files that could take the number of
// one another thread closes meanwhile), with its record when the library
// tracks it, the stacks that held more descriptors at once than they hold
// now (their peaks), and the set of stacks all of those reference.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "state/fd_table.h"
#include "state/site_counts.h"
#include "util/scratch.h"

namespace fdscope {

struct DumpEntry {
  int fd;
  bool tracked;
  FdRecord rec;
  const char* kind;
  const char* target;  // in the dump's scratch
};

// Open-addressing set of the stack ids a dump references.
struct StackIdSet {
  uint32_t* slots = nullptr;
  size_t mask = 0;
  size_t count = 0;
  bool init(Scratch& s, size_t expected);
  void add(uint32_t id);
  size_t capacity() const { return slots ? mask + 1 : 0; }
};

struct Snapshot {
  DumpEntry* entries = nullptr;
  size_t count = 0;    // entries
  size_t tracked = 0;  // of those, with a record
  size_t skipped = 0;  // records busy at the instant of the dump: untracked
  StackPeak* peaks = nullptr;  // stacks that held more at once than they hold now
  size_t peak_count = 0;
  StackIdSet stacks;  // referenced by entries and peaks
};

// Fills `out` from scratch memory, for a process whose soft limit is
// `soft_limit`. Returns 0 or -errno.
int take_snapshot(Scratch& scratch, uint64_t soft_limit, Snapshot* out);

}  // namespace fdscope
