// SPDX-License-Identifier: MIT
// Source file and line of a frame, from the DWARF debug information of the
// module's binary on this machine, read with elfutils' libdwfl; only when
// the file's GNU build-id matches the one recorded in the dump (a rebuilt
// binary would give wrong lines).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace fdscope::tool {

struct SourceLine {
  std::string file;
  int line = 0;
};

class SourceLines {
 public:
  SourceLines();
  ~SourceLines();
  SourceLines(const SourceLines&) = delete;
  SourceLines& operator=(const SourceLines&) = delete;

  // `offset` is a return address as an ELF virtual address of the module.
  std::optional<SourceLine> lookup(const std::string& module, const std::string& build_id,
                                   uint64_t offset);

 private:
  struct Module;
  Module* open(const std::string& path, const std::string& build_id);
  std::map<std::string, std::unique_ptr<Module>> modules_;
};

struct ReportSite;
// Fills file and line of every native frame of `site` that debug
// information can place.
void add_source_lines(ReportSite& site, SourceLines& lines);

}  // namespace fdscope::tool
