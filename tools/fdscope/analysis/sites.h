// Groups open descriptors by the call site that created them, across dumps
// and processes: the unit a leak report is made of.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "input/dump_model.h"

namespace fdscope::tool {

struct SiteFrame {
  std::string function;  // empty if unresolved
  std::string module;    // path; empty for JIT / unknown code
  uint64_t offset = 0;   // in the module (ELF virtual address)
  uint64_t addr = 0;
  std::string build_id;
  std::string file;      // source, when debug information is at hand
  int line = 0;
};

struct Site {
  std::string key;                // identity across dumps (modules and offsets)
  std::vector<SiteFrame> frames;  // innermost first
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
  std::vector<Site> sites;  // by count, largest first
};

SiteReport group_sites(const std::vector<const Dump*>& dumps);

// Drops the frames of the C runtime and loader (libc, ld.so, libpthread),
// so that each site starts at the program's frame that created the
// descriptor. Reports do this unless asked for every frame.
void fold_runtime_frames(SiteReport& report);

class SourceLines;
// Fills file and line of every frame that debug information can place.
void add_source_lines(SiteReport& report, SourceLines& lines);

// Sockets are grouped by their stable end. A connection the program opened:
// "tcp 127.0.0.1:52312 -> 10.0.0.5:3306" -> "tcp -> 10.0.0.5:3306" (the
// local port differs per connection). One it accepted (call accept/accept4):
// "tcp 10.0.0.9:8080 -> 10.0.0.7:41234" -> "tcp 10.0.0.9:8080 <- 10.0.0.7"
// (the client's port differs).
std::string normalise_target(const std::string& kind, const std::string& call,
                             const std::string& target);

// True for frames of the C runtime and loader (not the program's code).
bool is_runtime_module(const std::string& path);

}  // namespace fdscope::tool
