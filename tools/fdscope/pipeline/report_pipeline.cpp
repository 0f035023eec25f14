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
  if (!all_frames_) fold_runtime_frames(site);
  add_source_lines(site, lines_);
}

SiteReport make_report(const std::vector<const Dump*>& dumps, bool all_frames) {
  SiteReport report = group_sites(dumps);
  SiteFinisher finisher(all_frames);
  for (ReportSite& s : report.sites) finisher.finish(s);
  return report;
}

}  // namespace fdscope::tool
