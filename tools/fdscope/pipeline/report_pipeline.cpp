// SPDX-License-Identifier: MIT
#include "pipeline/report_pipeline.h"

#include "analysis/user_frames.h"
#include "symbols/perf_map.h"

namespace fdscope::tool {

LoadedDumps read_dump_files(const std::vector<std::string>& paths, const char* who) {
  LoadedDumps loaded = load_dump_files(paths, who);
  name_jit_frames(loaded);
  return loaded;
}

void SiteFinisher::finish(ReportSite& site) {
  // Inlined frames first: folding, and where the user's code starts, see
  // the frames the source has.
  add_source_lines(site, lines_);
  if (!all_frames_) fold_runtime_frames(site);
}

SiteReport make_report(const std::vector<const Dump*>& dumps, bool all_frames) {
  SiteReport report = group_sites(dumps);
  SiteFinisher finisher(all_frames);
  for (ReportSite& s : report.sites) finisher.finish(s);
  return report;
}

}  // namespace fdscope::tool
