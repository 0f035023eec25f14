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

  const ReportScope scope{args.all_frames, args.all_fds};
  const bool html = args.render.format == Format::kHtml;
  // html charts every dump: its files are kept (and left to the exit, which
  // returns their memory at once). Other formats let each file go once it
  // is grouped.
  static LoadedDumps* kept = nullptr;
  if (html) kept = new LoadedDumps;
  bool problems = false;
  SiteReport report = report_files(files, kWho, args.pick, scope, &problems, kept);
  Timeline timeline;
  if (html) {
    // The chart: the table's sites over every dump, whichever were reported.
    std::vector<uint64_t> keys;
    for (size_t s = 0; s < open_site_count(report) && s < args.render.top; ++s)
      keys.push_back(report.sites[s].key);
    timeline = make_timeline(every_dump(*kept), keys, GroupOptions{args.all_fds});
    args.render.timeline = &timeline;
  }
  args.render.colour = colour_for(STDOUT_FILENO);
  render_report(stdout, report, args.render);
  return problems ? kExitProblems : kExitOk;
}

}  // namespace fdscope::tool
