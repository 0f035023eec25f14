// SPDX-License-Identifier: MIT
// fdscope diff [--top N] [--format text|json] OLD NEW
// fdscope diff [--top N] [--format text|json] FILE      (its first and last dumps)
//
// The leak is what grows: call sites whose descriptor count rose between two
// dumps, largest growth first. Sites that shrank or went away are not
// listed (analysis/diff.h).
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "analysis/diff.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "output/reports.h"
#include "pipeline/report_pipeline.h"

namespace fdscope::tool {
namespace {

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: fdscope diff [--top N] [--format text|json] OLD NEW\n"
             "       fdscope diff [--top N] [--format text|json] FILE\n"
             "  Call sites whose open descriptors grew from OLD to NEW (or from the\n"
             "  first to the last dump of each process in FILE), largest growth first;\n"
             "  sites that shrank or went away are not listed.\n"
             "  --top N      show the N largest growths (default 10)\n"
             "  --format F   text (default) or json\n");
}

constexpr const char* kWho = "fdscope diff";

// Parses the command line into args and files; returns -1 or an exit status.
int parse(int argc, char** argv, ReportArgs* args, std::vector<std::string>* files) {
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    Taken t = take_report_option(argc, argv, &i, kOptTop | kOptFormat, kWho, args);
    if (t == Taken::kBad) return kExitUsage;
    if (t == Taken::kYes) continue;
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return kExitOk;
    } else if (a.size() > 1 && a[0] == '-') {
      fmt::print(stderr, "{}: unknown option '{}'\n", kWho, a);
      usage(stderr);
      return kExitUsage;
    }
    files->push_back(a);
  }
  if (files->empty() || files->size() > 2) {
    fmt::print(stderr, "{}: give OLD and NEW dump files, or one file\n", kWho);
    usage(stderr);
    return kExitUsage;
  }
  return -1;
}

}  // namespace

int cmd_diff(int argc, char** argv) {
  ReportArgs args;
  std::vector<std::string> files;
  if (int status = parse(argc, argv, &args, &files); status >= 0) return status;

  LoadedDumps old_files = read_dump_files({files[0]}, kWho);
  LoadedDumps new_files = files.size() == 2 ? read_dump_files({files[1]}, kWho) : LoadedDumps{};
  std::vector<const Dump*> before = select_dumps(old_files, Pick::kFirst);
  std::vector<const Dump*> after = select_dumps(files.size() == 2 ? new_files : old_files, Pick::kLast);
  bool problems = old_files.problems || new_files.problems;
  if (before.empty() || after.empty()) {
    fmt::print(stderr, "{}: no dumps to compare\n", kWho);
    return kExitProblems;
  }
  if (files.size() == 1 && before == after) {
    fmt::print(stderr, "{}: {} holds one dump per process; nothing to compare\n", kWho, files[0]);
    return kExitProblems;
  }

  SiteReport old_report = group_sites(before);
  SiteReport new_report = group_sites(after);
  std::vector<Growth> grown = grown_sites(old_report, new_report, args.render.top);
  // Only the sites shown are made ready to show (source lines cost).
  SiteFinisher finisher(args.all_frames);
  for (Growth& g : grown) finisher.finish(*g.site);
  args.render.colour = colour_for(STDOUT_FILENO);
  render_diff(stdout, old_report, new_report, grown, args.render);
  return problems ? kExitProblems : kExitOk;
}

}  // namespace fdscope::tool
