// SPDX-License-Identifier: MIT
// fdscope snapshot [--timeout SECONDS] [--format text|json|folded] PID
//
// Asks a running process for a dump through its dump signal, waits for the
// dump to be written and reports it (cli/snapshot_target.h finds where).
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/snapshot_target.h"
#include "input/dump_reader.h"
#include "output/reports.h"
#include "pipeline/report_pipeline.h"
#include "symbols/perf_map.h"

namespace fdscope::tool {
namespace {

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: fdscope snapshot [--timeout SECONDS] [--format text|json|folded] PID\n"
             "  Sends the process its dump signal, waits for the dump and reports it.\n"
             "  --timeout S  how long to wait for the dump (default 10)\n"
             "  --format F   text (default), json, or folded\n");
}

constexpr const char* kWho = "fdscope snapshot";

struct SnapshotArgs {
  ReportArgs report;
  double timeout_s = 10;
  long pid = 0;
};

// Parses the command line; returns -1 or an exit status.
int parse(int argc, char** argv, SnapshotArgs* s) {
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    Taken t = take_report_option(argc, argv, &i, kOptFormat | kOptFolded, kWho, &s->report);
    if (t == Taken::kBad) return kExitUsage;
    if (t == Taken::kYes) continue;
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return kExitOk;
    } else if (a == "--timeout" && i + 1 >= argc) {
      fmt::print(stderr, "{}: {} needs a value\n", kWho, a);
      return kExitUsage;
    } else if (a == "--timeout") {
      char* end = nullptr;
      s->timeout_s = std::strtod(argv[++i], &end);
      if (*end || !(s->timeout_s > 0)) {
        fmt::print(stderr, "{}: --timeout needs a number of seconds, not '{}'\n", kWho, argv[i]);
        return kExitUsage;
      }
    } else if (s->pid == 0 && !a.empty() && a.find_first_not_of("0123456789") == std::string::npos) {
      s->pid = std::strtol(a.c_str(), nullptr, 10);
    } else {
      fmt::print(stderr, "{}: unexpected argument '{}'\n", kWho, a);
      usage(stderr);
      return kExitUsage;
    }
  }
  if (s->pid <= 0) {
    fmt::print(stderr, "{}: give the PID of a process running under fdscope\n", kWho);
    usage(stderr);
    return kExitUsage;
  }
  return -1;
}

// The newest complete signal dump of the process in a file that grew since
// `before`, or false.
bool find_new_dump(const SnapshotTarget& t, const std::map<std::string, off_t>& before,
                   const SnapshotArgs& args) {
  for (const auto& [path, size] : dump_file_sizes(t)) {
    auto was = before.find(path);
    if (was != before.end() && size <= was->second) continue;
    // Read without reporting problems: the file may be in the middle of
    // being written (this dump, or a threshold dump right after it).
    LoadedDumps loaded;
    loaded.files.push_back(read_dumps(path));
    name_jit_frames(loaded);
    const Dump* latest = nullptr;
    for (const Dump& d : loaded.files[0].dumps)
      if (d.pid == t.pid && d.reason == "signal" && d.complete) latest = &d;
    if (!latest) continue;  // still being written
    SiteReport report = make_report({latest}, ReportScope{});
    fmt::print(stderr, "fdscope: dump {} of process {} in {}\n", latest->seq, t.pid, path);
    RenderOptions o = args.report.render;
    o.colour = colour_for(STDOUT_FILENO);
    render_report(stdout, report, o);
    return true;
  }
  return false;
}

}  // namespace

int cmd_snapshot(int argc, char** argv) {
  SnapshotArgs args;
  if (int status = parse(argc, argv, &args); status >= 0) return status;
  SnapshotTarget t;
  bool to_stderr;
  if (!find_snapshot_target(args.pid, &t, &to_stderr)) {
    if (to_stderr) {
      fmt::print(stderr, "{}: process {} writes its dumps to its stderr (output=stderr); the "
                         "dump goes there\n", kWho, args.pid);
      kill((pid_t)args.pid, t.signal);
    }
    return kExitProblems;
  }
  std::map<std::string, off_t> before = dump_file_sizes(t);
  if (kill((pid_t)args.pid, t.signal) != 0) {
    fmt::print(stderr, "{}: cannot signal process {}: {}\n", kWho, args.pid, std::strerror(errno));
    return kExitProblems;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(args.timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (find_new_dump(t, before, args)) return kExitOk;
  }
  fmt::print(stderr,
             "{}: no dump from process {} within {} s (is signal {} blocked, or handled by the "
             "program itself?)\n", kWho, args.pid, args.timeout_s, t.signal);
  return kExitProblems;
}

}  // namespace fdscope::tool
