// SPDX-License-Identifier: MIT
// Where the library's human-readable lines go (dump summaries, double-close
// reports): the `log` option, stderr by default, a file, or none. Lines are
// written whole with raw writes: no stdio lock, safe in a signal handler.
#pragma once

#include <stdint.h>

#include "symbolize/symbolizer.h"
#include "util/text.h"

namespace fdscope {

class LogSink {
 public:
  LogSink();  // opens log=FILE for appending (0600, never through a symlink)
  ~LogSink();
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  bool enabled() const { return fd_ >= 0; }
  bool is_stderr() const { return fd_ == 2; }
  void write(const LineBuf& line) const;

 private:
  int fd_ = -1;
  bool close_ = false;
};

// A native frame as log lines show it: "demangled_name (module)", or the
// address ("0x7f... (jit or unknown code)" outside any module).
void add_frame_text(LineBuf& line, uintptr_t addr, const Symbolizer& sym);

}  // namespace fdscope
