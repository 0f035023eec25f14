// SPDX-License-Identifier: MIT
// Groups open descriptors by the call site that created them, across dumps
// and processes: the unit a leak report is made of. The grouping key is
// common/'s SiteKey, the one the library's dump summary uses.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
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
  long count = 0;                   // open at the dumps
  // The most descriptors the site held at once in one process (from the
  // dumps' peak lines, or what it holds at the dump when that is more), and
  // when (unix ms; 0: at the dump). A site with count 0 held descriptors
  // while the program ran and none at the dump.
  long peak = 0;
  int64_t peak_time_ms = 0;
  long processes = 0;        // processes holding descriptors of the site
  long most_in_process = 0;  // the most open at the dump in one of them
  std::map<std::string, long> exes;  // executable (base name) -> processes
  int64_t pid = 0;  // the process holding the most (at its peak, when none holds any)
  std::string exe;  // its executable (base name)
  std::map<std::string, long> kinds;
  std::map<std::string, long> targets;  // normalised: no local port
  int64_t oldest_ms = 0;                // largest age
  int64_t newest_ms = 0;                // smallest age
  std::vector<std::string> calls;
};

// A process of the report: one dump.
struct ReportProcess {
  int64_t pid = 0;
  std::string exe;       // base name
  long descriptors = 0;  // tracked, open at the dump, standard streams left out
  long peak = 0;         // the most tracked descriptors it held at once (standard streams in)
  std::string reason;    // of the dump
};

// A dump of a process before the one the report counts (a threshold or
// signal dump before the exit dump): what it held, and its largest site.
struct EarlierDump {
  int64_t pid = 0;
  std::string exe;
  std::string reason;
  int64_t seq = 0;
  int64_t time_ms = 0;
  long descriptors = 0;
  std::vector<ReportSite> top;    // its largest site, if any
};

struct SiteReport {
  long dumps = 0;
  long processes = 0;
  long descriptors = 0;
  long untracked = 0;
  // Tracked descriptors 0, 1 and 2 (a shell's redirections, a daemon's
  // /dev/null): plumbing, not leaks; left out of sites unless all_fds.
  long standard_streams = 0;
  bool at_exit = false;  // every dump is an exit dump
  // By count, largest first; sites that hold nothing at the dumps but held
  // several at once (peak) last, by peak.
  std::vector<ReportSite> sites;
  std::vector<ReportProcess> top_processes;  // by peak, then descriptors; at most 5
  std::vector<EarlierDump> earlier;          // filled by the pipeline (add_earlier_dumps)
};

struct GroupOptions {
  bool all_fds = false;  // keep standard streams (descriptors 0-2) in the sites
};

// Descriptors with a language stack are grouped by it; others by their
// native stack. A site's frames are those of the first descriptor seen.
SiteReport group_sites(const std::vector<const Dump*>& dumps, GroupOptions options = {});

// group_sites one dump at a time: add() them in order, then finish(). A
// dump is not looked at after its add() returns (it may be freed then).
class SiteGrouper {
 public:
  explicit SiteGrouper(GroupOptions options = {});
  ~SiteGrouper();
  SiteGrouper(const SiteGrouper&) = delete;
  SiteGrouper& operator=(const SiteGrouper&) = delete;
  void add(const Dump& d);
  SiteReport finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// A site's counts (kinds, targets, executables), largest first; equal
// counts in name order.
std::vector<std::pair<std::string, long>> by_count(const std::map<std::string, long>& counts);

// The sites of r that hold descriptors at the dumps: they come first.
size_t open_site_count(const SiteReport& r);

// A descriptor reports leave out unless asked (--all-fds): 0, 1 and 2.
inline bool is_standard_stream(const DumpFd& fd) { return fd.fd >= 0 && fd.fd <= 2; }

// The order a person reads sites in: what looks most like a leak first,
// many descriptors in one process (rather than one in each of many), then
// the count.
bool looks_more_like_a_leak(const ReportSite& a, const ReportSite& b);

// The site key of a descriptor of dump d (exposed for tests).
uint64_t site_key_of(const Dump& d, const DumpFd& fd);

}  // namespace fdscope::tool
