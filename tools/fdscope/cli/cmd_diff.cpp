// fdscope diff [--top N] [--format text|json] OLD NEW
// fdscope diff [--top N] [--format text|json] FILE      (its first and last dumps)
//
// The leak is what grows: call sites whose descriptor count rose between two
// dumps, largest growth first.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "input/dump_selection.h"
#include "symbols/perf_map.h"
#include "output/text.h"
#include "analysis/sites.h"
#include "symbols/source_lines.h"

namespace fdscope::tool {
namespace {

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: fdscope diff [--top N] [--format text|json] OLD NEW\n"
             "       fdscope diff [--top N] [--format text|json] FILE\n"
             "  Call sites whose open descriptors grew from OLD to NEW (or from the\n"
             "  first to the last dump of each process in FILE), largest growth first.\n");
}

struct Growth {
  const Site* site;  // in the new report (or the old one, for shrunk-to-zero)
  long before = 0;
  long after = 0;
};

}  // namespace

int cmd_diff(int argc, char** argv) {
  size_t top = 10;
  std::string format = "text";
  std::vector<std::string> files;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return kExitOk;
    } else if (a == "--top" && i + 1 < argc) {
      if (!parse_count(argv[++i], &top)) {
        fmt::print(stderr, "fdscope diff: --top needs a number, not '{}'\n", argv[i]);
        return kExitUsage;
      }
    } else if (a == "--format" && i + 1 < argc) {
      format = argv[++i];
      if (format != "text" && format != "json") {
        fmt::print(stderr, "fdscope diff: unknown format '{}' (text, json)\n", format);
        return kExitUsage;
      }
    } else if (a == "--top" || a == "--format") {
      fmt::print(stderr, "fdscope diff: {} needs a value\n", a);
      return kExitUsage;
    } else if (a.size() > 1 && a[0] == '-') {
      fmt::print(stderr, "fdscope diff: unknown option '{}'\n", a);
      usage(stderr);
      return kExitUsage;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty() || files.size() > 2) {
    fmt::print(stderr, "fdscope diff: give OLD and NEW dump files, or one file\n");
    usage(stderr);
    return kExitUsage;
  }

  LoadedDumps old_files = load_dump_files({files[0]}, "fdscope diff");
  LoadedDumps new_files = files.size() == 2 ? load_dump_files({files[1]}, "fdscope diff")
                                            : LoadedDumps{};
  name_jit_frames(old_files);
  name_jit_frames(new_files);
  std::vector<const Dump*> before = first_dump_per_process(old_files);
  std::vector<const Dump*> after =
      files.size() == 2 ? last_dump_per_process(new_files) : last_dump_per_process(old_files);
  bool problems = old_files.problems || new_files.problems;
  if (before.empty() || after.empty()) {
    fmt::print(stderr, "fdscope diff: no dumps to compare\n");
    return kExitProblems;
  }
  if (files.size() == 1 && before == after) {
    fmt::print(stderr, "fdscope diff: {} holds one dump per process; nothing to compare\n",
               files[0]);
    return kExitProblems;
  }

  SiteReport old_report = group_sites(before);
  SiteReport new_report = group_sites(after);
  std::map<std::string, const Site*> old_sites;
  for (const Site& s : old_report.sites) old_sites[s.key] = &s;
  std::vector<Growth> grown;
  for (const Site& s : new_report.sites) {
    auto it = old_sites.find(s.key);
    long was = it == old_sites.end() ? 0 : it->second->count;
    if (s.count > was) grown.push_back({&s, was, s.count});
  }
  std::stable_sort(grown.begin(), grown.end(), [](const Growth& a, const Growth& b) {
    return a.after - a.before > b.after - b.before;
  });
  if (grown.size() > top) grown.resize(top);

  // Source lines for the sites shown.
  SourceLines lines;
  SiteReport shown;
  for (const Growth& g : grown) shown.sites.push_back(*g.site);
  fold_runtime_frames(shown);
  add_source_lines(shown, lines);

  if (format == "json") {
    nlohmann::ordered_json j;
    j["before"] = {{"dumps", old_report.dumps}, {"descriptors", old_report.descriptors}};
    j["after"] = {{"dumps", new_report.dumps}, {"descriptors", new_report.descriptors}};
    j["sites"] = nlohmann::ordered_json::array();
    for (size_t i = 0; i < grown.size(); ++i) {
      const Site& s = shown.sites[i];
      nlohmann::ordered_json site;
      site["growth"] = grown[i].after - grown[i].before;
      site["before"] = grown[i].before;
      site["after"] = grown[i].after;
      site["kinds"] = s.kinds;
      site["targets"] = nlohmann::ordered_json::array();
      for (auto& [t, n] : s.targets) site["targets"].push_back({{"target", t}, {"count", n}});
      site["frames"] = nlohmann::ordered_json::array();
      for (const SiteFrame& f : s.frames)
        site["frames"].push_back({{"function", f.function}, {"module", f.module},
                                  {"file", f.line ? nlohmann::ordered_json(f.file) : nullptr},
                                  {"line", f.line ? nlohmann::ordered_json(f.line) : nullptr}});
      j["sites"].push_back(std::move(site));
    }
    fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return problems ? kExitProblems : kExitOk;
  }

  fmt::print("{} -> {} tracked descriptors; {} call site{} grew\n", old_report.descriptors,
             new_report.descriptors, grown.size(), grown.size() == 1 ? "" : "s");
  TextOptions o;
  o.colour = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
  for (size_t i = 0; i < grown.size(); ++i) {
    fmt::print("\n+{} ({} -> {})\n", grown[i].after - grown[i].before, grown[i].before,
               grown[i].after);
    print_site(stdout, shown.sites[i], o, 0);
  }
  return problems ? kExitProblems : kExitOk;
}

}  // namespace fdscope::tool
