// SPDX-License-Identifier: MIT
// Groups open descriptors by the call site that created them, across dumps
// and processes: the unit a leak report is made of. The grouping key is
// common/'s SiteKey, the one the library's dump summary uses.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "input/dump_model.h"

namespace fdscope::tool {

// A frame of a grouped site: native (function, module, offset, address,
// and file/line from debug information) or a language frame (function,
// file, line, column, lang, async). A native frame in inlined code is
// expanded (symbols/source_lines) into its inlined frames, named and placed
// by debug information and marked `inlined`, followed by the frame itself;
// they all share its module and address.
struct ReportFrame {
  std::string function;  // empty if unresolved (native) or anonymous (JS)
  std::string module;    // path; empty for JIT / unknown code and language frames
  uint64_t offset = 0;   // in the module (ELF virtual address)
  uint64_t addr = 0;
  std::string build_id;
  std::string file;      // source: language frames, or native ones debug information placed
  int line = 0;
  int column = 0;
  Lang lang = Lang::kNative;
  bool async = false;    // the first frame of the code that scheduled the work
  bool inlined = false;  // a function inlined at the next frame's address (native)

  bool is_lang() const { return lang != Lang::kNative; }
};

struct ReportSite {
  uint64_t key = 0;                 // identity across dumps (common::SiteKey)
  std::vector<ReportFrame> frames;  // innermost first: language frames, then native
  long count = 0;
  std::map<std::string, long> kinds;
  std::map<std::string, long> targets;  // normalised: no local port
  int64_t oldest_ms = 0;                // largest age
  int64_t newest_ms = 0;                // smallest age
  std::vector<std::string> calls;
};

struct SiteReport {
  long dumps = 0;
  long processes = 0;
  long descriptors = 0;
  long untracked = 0;
  std::vector<ReportSite> sites;  // by count, largest first
};

// Descriptors with a language stack are grouped by it; others by their
// native stack. A site's frames are those of the first descriptor seen.
SiteReport group_sites(const std::vector<const Dump*>& dumps);

// The site key of a descriptor of dump d (exposed for tests).
uint64_t site_key_of(const Dump& d, const DumpFd& fd);

}  // namespace fdscope::tool
