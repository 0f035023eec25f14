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

namespace {

// add_earlier_dumps for one file; `chosen`: the dumps the report counts.
void add_earlier_dumps(std::vector<EarlierDump>& earlier, const ReadResult& file,
                       const std::set<const Dump*>& chosen, ReportScope scope,
                       SiteFinisher& finisher) {
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
      earlier.push_back(std::move(early));
    }
  }
}

}  // namespace

void add_earlier_dumps(SiteReport& report, const LoadedDumps& loaded,
                       const std::vector<const Dump*>& counted, ReportScope scope) {
  std::set<const Dump*> chosen(counted.begin(), counted.end());
  SiteFinisher finisher(scope.all_frames);
  for (const ReadResult& file : loaded.files)
    add_earlier_dumps(report.earlier, file, chosen, scope, finisher);
}

SiteReport report_files(const std::vector<std::string>& paths, const char* who, Pick pick,
                        ReportScope scope, bool* problems, LoadedDumps* keep) {
  SiteGrouper grouper(GroupOptions{scope.all_fds});
  std::vector<EarlierDump> earlier;
  SiteFinisher earlier_finisher(scope.all_frames);
  if (keep) keep->files.resize(paths.size());
  *problems = read_files_in_order(paths, who, [&](size_t i, ReadResult& file) {
    name_jit_frames(file);
    std::vector<const Dump*> counted = select_dumps(file, pick);
    for (const Dump* d : counted) grouper.add(*d);
    if (pick == Pick::kLast) {
      std::set<const Dump*> chosen(counted.begin(), counted.end());
      add_earlier_dumps(earlier, file, chosen, scope, earlier_finisher);
    }
    if (keep) keep->files[i] = std::move(file);
  });
  if (keep) keep->problems = *problems;
  SiteReport report = grouper.finish();
  SiteFinisher finisher(scope.all_frames);
  for (ReportSite& s : report.sites) finisher.finish(s);
  report.earlier = std::move(earlier);
  return report;
}

}  // namespace fdscope::tool
