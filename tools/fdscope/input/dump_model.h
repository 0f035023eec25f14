// SPDX-License-Identifier: MIT
// The tool's in-memory model of dumps as read (docs/dump-format.md). Types
// are named Dump* to keep them apart from the library's own records
// (shim/src: FdRecord, the symbolizer's modules) and from the tool's
// grouped Report* types (analysis/sites.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fdscope_common/lang_frames.h"
#include "input/text_store.h"

namespace fdscope::tool {

using common::Lang;

// A native frame (addr, module, offset, function) or, in format 2, a
// language frame (lang, function, file, line, column, async).
struct DumpFrame {
  uint64_t addr = 0;
  int module = -1;  // -1: outside any ELF module (JIT code), or a language frame
  uint64_t offset = 0;
  std::string function;
  Lang lang = Lang::kNative;
  std::string file;
  int line = 0;    // 0: unknown
  int column = 0;  // 0: unknown
  bool async = false;  // the first frame of the code that scheduled the work

  bool is_lang() const { return lang != Lang::kNative; }
};

struct DumpModule {
  std::string path;
  uint64_t base = 0;
  std::string build_id;
};

struct DumpFd {
  int fd = -1;
  std::string kind;
  // In the reading Dump's text store, NUL-terminated (or a literal).
  std::string_view target = "";
  bool tracked = false;
  std::string call;
  int64_t time_ms = 0;
  int64_t age_ms = 0;
  int64_t tid = 0;
  std::string thread;
  uint32_t stack = 0;
  uint32_t connect_stack = 0;
  uint32_t lang_stack = 0;  // format 2: the language stack that created it, 0: none
};

// A stack that held more descriptors at once than at the dump (format 2):
// its peak, when, and what it holds at the dump.
struct DumpPeak {
  uint32_t stack = 0;         // the stack the descriptors count for (language or native)
  uint32_t native_stack = 0;  // with a language stack: a native stack of its descriptors
  long peak = 0;
  long open = 0;
  std::string call;
  int64_t time_ms = 0;
};

struct Dump {
  std::string file;  // where it was read from
  int64_t format = 0;
  int64_t pid = 0;
  int64_t ppid = 0;
  int64_t seq = 0;
  std::string run;
  std::string reason;
  std::string exe;
  std::string host;
  std::string time;
  int64_t time_ms = 0;
  int64_t rlimit_soft = 0;
  int64_t open = 0;
  int64_t tracked = 0;
  int64_t tracked_peak = 0;          // the most tracked descriptors open at once so far
  int64_t tracked_peak_time_ms = 0;  // when
  bool complete = false;  // the "end" line was seen
  std::map<int, DumpModule> modules;
  std::map<uint32_t, std::vector<DumpFrame>> stacks;
  std::vector<DumpFd> fds;
  std::vector<DumpPeak> peaks;
  // What the records' string_views point into: shared by the dumps of one
  // file (a record may be read before its dump is known), and kept alive
  // by any copy of a Dump.
  std::shared_ptr<const TextStore> text;
};

}  // namespace fdscope::tool
