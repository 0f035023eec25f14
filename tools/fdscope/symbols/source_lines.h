// SPDX-License-Identifier: MIT
// Source file and line of a frame, from the DWARF debug information of the
// module's binary on this machine, read with elfutils' libdw(fl); only when
// the file's GNU build-id matches the one recorded in the dump (a rebuilt
// binary would give wrong lines). A frame whose address lies in inlined
// code stands for several source frames: the inlined functions, innermost
// first, then the function the code was inlined into, each with its own
// file and line (as `addr2line -i` shows them).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fdscope::tool {

// One source frame of a native frame's address.
struct SourceFrame {
  std::string function;  // an inlined function (demangled); "" for the frame's own function
  std::string file;
  int line = 0;          // 0 when the debug information does not say
  bool inlined = false;
};

class SourceLines {
 public:
  SourceLines();
  ~SourceLines();
  SourceLines(const SourceLines&) = delete;
  SourceLines& operator=(const SourceLines&) = delete;

  // The source frames of the code at `offset`, a return address as an ELF
  // virtual address of the module, innermost first: the inlined functions
  // it lies in (inlined, each with the line in it), then the frame's own
  // function (not inlined, with the line of the call in it: the outermost
  // inlined call's). One frame without inlining; none when the debug
  // information does not place the address.
  const std::vector<SourceFrame>& lookup(const std::string& module, const std::string& build_id,
                                         uint64_t offset);

 private:
  struct Module;
  Module* open(const std::string& path, const std::string& build_id);
  std::map<std::string, std::unique_ptr<Module>> modules_;
};

struct ReportSite;
// Places every native frame of `site` that debug information can place:
// fills its file and line, and expands a frame in inlined code into its
// inline chain (the inlined frames, marked inlined, before it; they share
// its module and address). Once per site (a second call would expand
// again), before the site is folded to the user's code, so that folding
// sees the expanded frames.
void add_source_lines(ReportSite& site, SourceLines& lines);

}  // namespace fdscope::tool
