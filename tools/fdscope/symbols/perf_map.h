// SPDX-License-Identifier: MIT
// Names for JIT frames from perf map files (/tmp/perf-PID.map: "START SIZE
// name" per line), which Node.js writes with --perf-basic-prof (fdscope run
// --js turns it on), as do the JVM's perf-map-agent and others.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "input/dump_selection.h"

namespace fdscope::tool {

class PerfMap {
 public:
  bool load(const std::string& path);
  // The name of the code holding addr, or nullptr.
  const std::string* find(uint64_t addr) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    uint64_t start, end;
    std::string name;
  };
  std::vector<Entry> entries_;
};

// Names the frames outside any module (JIT code) of every dump from the
// perf map of its process: perf-PID.map beside the dump file, else
// /tmp/perf-PID.map when the dump was taken on this host. (Language frames
// of format 2 carry their names; this is for native-only dumps.)
void name_jit_frames(LoadedDumps& loaded);
void name_jit_frames(ReadResult& file);

}  // namespace fdscope::tool
