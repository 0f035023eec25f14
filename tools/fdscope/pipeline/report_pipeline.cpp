// SPDX-License-Identifier: MIT
#include "pipeline/report_pipeline.h"

#include <set>

#include "analysis/user_frames.h"
#include "symbols/perf_map.h"

namespace fdscope::tool {

LoadedDumps read_dump_files(const std::vector<std::string>& paths, const char* who) {
  LoadedDumps loaded = load_dump_files(paths, who);
  name_jit_frames(loaded);
  return loaded;
}

void SiteFinisher::finish(ReportSite& site) {
  // The C runtime's frames go before their source lines are looked for:
  // folding would drop them with their inlined frames, and reading the C
  // library's (compressed) debug information was most of a report's time.
  if (!all_frames_) drop_c_runtime_frames(site);
  // Inlined frames first: folding, and where the user's code starts, see
  // the frames the source has.
  add_source_lines(site, lines_);
  if (!all_frames_) fold_runtime_frames(site);
}

SiteReport make_report(const std::vector<const Dump*>& dumps, ReportScope scope) {
  SiteReport report = group_sites(dumps, GroupOptions{scope.all_fds});
  SiteFinisher finisher(scope.all_frames);
  for (ReportSite& s : report.sites) finisher.finish(s);
  return report;
}

void add_earlier_dumps(SiteReport& report, const LoadedDumps& loaded,
                       const std::vector<const Dump*>& counted, ReportScope scope) {
  std::set<const Dump*> chosen(counted.begin(), counted.end());
  SiteFinisher finisher(scope.all_frames);
  for (const ReadResult& file : loaded.files)
    for (const Dump& d : file.dumps) {
      if (!chosen.count(&d)) continue;
      for (const Dump& e : file.dumps) {
        if (&e == &d || e.pid != d.pid || e.run != d.run || e.seq >= d.seq || e.reason == "exit")
          continue;
        SiteReport alone = group_sites({&e}, GroupOptions{scope.all_fds});
        EarlierDump early{e.pid, e.exe.substr(e.exe.rfind('/') + 1), e.reason, e.seq,
                          e.time_ms, alone.descriptors, {}};
        if (!alone.sites.empty() && alone.sites[0].count > 0) {
          finisher.finish(alone.sites[0]);
          early.top.push_back(std::move(alone.sites[0]));
        }
        report.earlier.push_back(std::move(early));
      }
    }
}

}  // namespace fdscope::tool
