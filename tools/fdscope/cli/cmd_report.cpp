// SPDX-License-Identifier: MIT
// fdscope report [--top N] [--format text|json|folded|html] [--all] [--all-frames] [--all-fds] DUMP...
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/args.h"
#include "analysis/timeline.h"
#include "cli/commands.h"
#include "output/reports.h"
#include "pipeline/report_pipeline.h"

namespace fdscope::tool {
namespace {

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: fdscope report [--top N] [--format text|json|folded|html] [--all] [--all-frames] [--all-fds] DUMP...\n"
             "  Groups the open descriptors of the dumps by creating call site.\n"
             "  --top N      show the N largest sites (default 10; json: all)\n"
             "  --format F   text (default), json, folded (flame graph input), or html\n"
             "               (one self-contained page: the top sites' counts over\n"
             "               every dump, the sites, a flame graph)\n"
             "  --all        every dump of each file, not only the last\n"
             "  --all-frames keep the runtime's frames (the C library's, and language\n"
             "               frames of node: internals or the Python standard library)\n");
}

constexpr const char* kWho = "fdscope report";

}  // namespace

int cmd_report(int argc, char** argv) {
  ReportArgs args;
  std::vector<std::string> files;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    Taken t = take_report_option(argc, argv, &i, kOptTop | kOptFormat | kOptFolded | kOptHtml |
                                                     kOptAll | kOptAllFrames | kOptAllFds, kWho, &args);
    if (t == Taken::kBad) return kExitUsage;
    if (t == Taken::kYes) continue;
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return kExitOk;
    } else if (a == "--") {
      for (++i; i < argc; ++i) files.push_back(argv[i]);
    } else if (a.size() > 1 && a[0] == '-') {
      fmt::print(stderr, "{}: unknown option '{}'\n", kWho, a);
      usage(stderr);
      return kExitUsage;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    fmt::print(stderr, "{}: no dump files given\n", kWho);
    usage(stderr);
    return kExitUsage;
  }

  LoadedDumps loaded = read_dump_files(files, kWho);
  const ReportScope scope{args.all_frames, args.all_fds};
  std::vector<const Dump*> counted = select_dumps(loaded, args.pick);
  SiteReport report = make_report(counted, scope);
  if (args.pick == Pick::kLast) add_earlier_dumps(report, loaded, counted, scope);
  Timeline timeline;
  if (args.render.format == Format::kHtml) {
    // The chart: the table's sites over every dump, whichever were reported.
    std::vector<uint64_t> keys;
    for (size_t s = 0; s < open_site_count(report) && s < args.render.top; ++s)
      keys.push_back(report.sites[s].key);
    timeline = make_timeline(every_dump(loaded), keys, GroupOptions{args.all_fds});
    args.render.timeline = &timeline;
  }
  args.render.colour = colour_for(STDOUT_FILENO);
  render_report(stdout, report, args.render);
  return loaded.problems ? kExitProblems : kExitOk;
}

}  // namespace fdscope::tool
