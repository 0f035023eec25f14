// SPDX-License-Identifier: MIT
// The one way dumps become a report, shared by report, run, diff and
// snapshot:
//
//   read (input/dump_reader) -> name JIT frames (symbols/perf_map)
//   -> select (input/dump_selection) -> group (analysis/sites)
//   -> source lines and inlined frames (symbols/source_lines)
//   -> start at the user's code (analysis/user_frames) -> render (output/reports)
#pragma once

#include <string>
#include <vector>

#include "analysis/sites.h"
#include "input/dump_selection.h"
#include "symbols/source_lines.h"

namespace fdscope::tool {

// Reads the files and names their JIT frames from perf maps. Each problem
// is one line on stderr, prefixed by `who` ("fdscope report").
LoadedDumps read_dump_files(const std::vector<std::string>& paths, const char* who);

// Makes grouped sites ready to show: source lines and inlined frames from
// debug information, then frames folded to the user's code (unless
// all_frames).
class SiteFinisher {
 public:
  explicit SiteFinisher(bool all_frames) : all_frames_(all_frames) {}
  void finish(ReportSite& site);

 private:
  bool all_frames_;
  SourceLines lines_;
};

struct ReportScope {
  bool all_frames = false;  // keep the runtime's frames
  bool all_fds = false;     // keep standard streams (descriptors 0-2)
};

// Groups the dumps' descriptors into sites and finishes every site.
SiteReport make_report(const std::vector<const Dump*>& dumps, ReportScope scope);

// The report of dump files, as read_dump_files, select_dumps, make_report
// and (Pick::kLast) add_earlier_dumps would make it, file by file while
// later files are still being read: each file's descriptors are let go
// once it is grouped (a fleet's records never all sit in memory), unless
// `keep` is given: then every file is moved there (the html timeline looks
// at every dump). `problems`: some input could not be read (reported).
SiteReport report_files(const std::vector<std::string>& paths, const char* who, Pick pick,
                        ReportScope scope, bool* problems, LoadedDumps* keep = nullptr);

// Names, in report.earlier, the threshold, emfile, signal and request dumps
// that came before the dumps the report counts (`counted`, one per
// process), each with its largest site: a later exit dump must not hide
// what the process held when a trigger fired.
void add_earlier_dumps(SiteReport& report, const LoadedDumps& loaded,
                       const std::vector<const Dump*>& counted, ReportScope scope);

}  // namespace fdscope::tool
