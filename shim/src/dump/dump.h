// SPDX-License-Identifier: MIT
// Writing a dump: the still-open descriptors, each with its creating call
// site, reconciled with /proc/self/fd, as JSON Lines (docs/dump-format.md).
//
// Async-signal-safe by construction: raw system calls only, memory from an
// anonymous mapping, no lock but a try-lock that makes a concurrent second
// dump give way, slots copied under their seqlocks (busy ones skipped).
#pragma once

#include <stddef.h>

namespace fdscope {

enum class Reason { kThreshold, kEmfile, kSignal, kExit, kRequest };

const char* reason_name(Reason r);

// Writes one dump to `path` (nullptr: the `output` option). Returns 0, or
// -errno if it could not be written (-EBUSY: another dump was under way;
// -ECANCELED: max_dumps reached).
// `trigger`: the call whose failure caused an EMFILE dump, or nullptr.
int write_dump(Reason reason, const char* path, const char* trigger = nullptr);

// One writer of dump output at a time (dumps and double-close events share
// the output file). Never blocks: false if busy.
bool try_lock_output();
void unlock_output();

// Starts a JSON line: {"type":T,"pid":..,"seq":..,"run":..
class JsonWriter;
void line_start(JsonWriter& w, const char* type, unsigned seq);

// The same for every line of one dump: what follows the type (pid, seq and
// run) is formatted once, not per line (a getpid system call each).
class LineHead {
 public:
  explicit LineHead(unsigned seq);
  void start(JsonWriter& w, const char* type) const;

 private:
  char text_[96];
  size_t len_ = 0;
};

void dump_after_fork();

}  // namespace fdscope
