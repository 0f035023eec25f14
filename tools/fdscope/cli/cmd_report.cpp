// fdscope report [--top N] [--format text|json|folded] [--all] DUMP...
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "input/dump_selection.h"
#include "symbols/perf_map.h"
#include "output/formats.h"
#include "output/text.h"
#include "analysis/sites.h"
#include "symbols/source_lines.h"

namespace fdscope::tool {
namespace {

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: fdscope report [--top N] [--format text|json|folded] [--all] [--all-frames] DUMP...\n"
             "  Groups the open descriptors of the dumps by creating call site.\n"
             "  --top N      show the N largest sites (default 10; json: all)\n"
             "  --format F   text (default), json, or folded (flame graph input)\n"
             "  --all        every dump of each file, not only the last\n"
             "  --all-frames keep the C library's frames (folded away by default)\n");
}


}  // namespace

int cmd_report(int argc, char** argv) {
  size_t top = 10;
  bool top_given = false, all = false, all_frames = false;
  std::string format = "text";
  std::vector<std::string> files;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return kExitOk;
    } else if (a == "--top" && i + 1 < argc) {
      if (!parse_count(argv[++i], &top)) {
        fmt::print(stderr, "fdscope report: --top needs a number, not '{}'\n", argv[i]);
        return kExitUsage;
      }
      top_given = true;
    } else if (a == "--format" && i + 1 < argc) {
      format = argv[++i];
      if (format != "text" && format != "json" && format != "folded") {
        fmt::print(stderr, "fdscope report: unknown format '{}' (text, json, folded)\n", format);
        return kExitUsage;
      }
    } else if (a == "--all") {
      all = true;
    } else if (a == "--all-frames") {
      all_frames = true;
    } else if (a == "--") {
      for (++i; i < argc; ++i) files.push_back(argv[i]);
    } else if (a == "--top" || a == "--format") {
      fmt::print(stderr, "fdscope report: {} needs a value\n", a);
      return kExitUsage;
    } else if (a.size() > 1 && a[0] == '-') {
      fmt::print(stderr, "fdscope report: unknown option '{}'\n", a);
      usage(stderr);
      return kExitUsage;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    fmt::print(stderr, "fdscope report: no dump files given\n");
    usage(stderr);
    return kExitUsage;
  }

  LoadedDumps loaded = load_dump_files(files, "fdscope report");
  name_jit_frames(loaded);
  std::vector<const Dump*> chosen = all ? every_dump(loaded) : last_dump_per_process(loaded);

  SiteReport report = group_sites(chosen);
  if (!all_frames) fold_runtime_frames(report);
  SourceLines lines;
  add_source_lines(report, lines);
  if (format == "json") {
    print_json_report(stdout, report, top_given ? top : (size_t)-1);
  } else if (format == "folded") {
    print_folded_report(stdout, report);
  } else {
    TextOptions o;
    o.top = top;
    o.colour = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    print_text_report(stdout, report, o);
  }
  return loaded.problems ? kExitProblems : kExitOk;
}

}  // namespace fdscope::tool
