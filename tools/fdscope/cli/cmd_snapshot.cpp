// SPDX-License-Identifier: MIT
// fdscope snapshot [--timeout SECONDS] [--format text|json|folded] [--force] PID
//
// Asks a running process for a dump through its dump signal, waits for the
// dump to be written and reports it. The process's published state
// (cli/process_state.h) says whether the library still owns the signal,
// and where the dump went; without it, only --force sends the signal, and
// cli/snapshot_target.h guesses the file from the process's environment.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "attach/library_state.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/process_state.h"
#include "cli/snapshot_target.h"
#include "input/dump_reader.h"
#include "output/reports.h"
#include "pipeline/report_pipeline.h"
#include "symbols/perf_map.h"

namespace fdscope::tool {
namespace {

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: fdscope snapshot [--timeout SECONDS] [--format text|json|folded] [--force] PID\n"
             "  Sends the process its dump signal, waits for the dump and reports it.\n"
             "  --timeout S  how long to wait for the dump (default 10)\n"
             "  --format F   text (default), json, or folded\n"
             "  --force      send the signal even when the process does not say that the\n"
             "               library takes it (its state is unreadable)\n");
}

constexpr const char* kWho = "fdscope snapshot";

struct SnapshotArgs {
  ReportArgs report;
  double timeout_s = 10;
  long pid = 0;
  bool force = false;
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
    } else if (a == "--force") {
      s->force = true;
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
    } else if (s->pid == 0 && parse_pid(a, &s->pid)) {
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

void render(const Dump& d, const std::string& path, const SnapshotArgs& args) {
  SiteReport report = make_report({&d}, ReportScope{});
  fmt::print(stderr, "fdscope: dump {} of process {} in {}\n", d.seq, d.pid, path);
  RenderOptions o = args.report.render;
  o.colour = colour_for(STDOUT_FILENO);
  render_report(stdout, report, o);
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
    render(*latest, path, args);
    return true;
  }
  return false;
}

std::string signal_name(int sig) {
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return fmt::format("SIGRTMIN+{}", sig - SIGRTMIN);
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

bool deadline_passed(std::chrono::steady_clock::time_point deadline) {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return std::chrono::steady_clock::now() >= deadline;
}

std::chrono::steady_clock::time_point deadline_after(double seconds) {
  return std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                std::chrono::duration<double>(seconds));
}

bool send(long pid, int sig) {
  if (kill((pid_t)pid, sig) == 0) return true;
  fmt::print(stderr, "{}: cannot signal process {}: {}\n", kWho, pid, std::strerror(errno));
  return false;
}

// Without a published state: the file from the environment, by --force.
int snapshot_by_environment(const SnapshotArgs& args) {
  SnapshotTarget t;
  bool to_stderr;
  if (!find_snapshot_target(args.pid, &t, &to_stderr)) {
    if (to_stderr) {
      fmt::print(stderr, "{}: process {} writes its dumps to its stderr (output=stderr); the "
                         "dump goes there\n", kWho, args.pid);
      send(args.pid, t.signal);
    }
    return kExitProblems;
  }
  std::map<std::string, off_t> before = dump_file_sizes(t);
  if (!send(args.pid, t.signal)) return kExitProblems;
  auto deadline = deadline_after(args.timeout_s);
  while (!deadline_passed(deadline))
    if (find_new_dump(t, before, args)) return kExitOk;
  fmt::print(stderr,
             "{}: no dump from process {} within {} s (is signal {} blocked, or handled by the "
             "program itself?)\n", kWho, args.pid, args.timeout_s, t.signal);
  return kExitProblems;
}

// A dump's file as this process can open it: a relative name is relative
// to the target's working directory.
std::string reachable(long pid, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return fmt::format("/proc/{}/cwd/{}", pid, path);
}

int snapshot_by_state(const SnapshotArgs& args, const ProcessState& before) {
  const long pid = args.pid;
  const std::string sig = signal_name(before.signal);
  if (before.signal == 0) {
    fmt::print(stderr, "{}: process {} runs with signal=0 (signal dumps off)\n", kWho, pid);
    return kExitProblems;
  }
  if (before.signal_owner == "program") {
    fmt::print(stderr,
               "{}: process {} handles {} itself (it installed its own handler after the "
               "library's), so it is not sent: the program would act on it; run it with a dump "
               "signal it leaves alone (FDSCOPE_OPTIONS=signal=SIGRTMIN+7)\n", kWho, pid, sig);
    return kExitProblems;
  }
  if (before.signal_owner != "library") {
    fmt::print(stderr,
               "{}: process {} started with {} ignored or handled (as its parent left it), so "
               "the library does not take it and it is not sent; run it with another dump signal "
               "(FDSCOPE_OPTIONS=signal=SIGRTMIN+7)\n", kWho, pid, sig);
    return kExitProblems;
  }
  if (before.output == "stderr") {
    fmt::print(stderr, "{}: process {} writes its dumps to its stderr (output=stderr); the "
                       "dump goes there\n", kWho, pid);
    send(pid, before.signal);
    return kExitProblems;
  }
  if (!send(pid, before.signal)) return kExitProblems;
  auto deadline = deadline_after(args.timeout_s);
  std::string why;
  while (!deadline_passed(deadline)) {
    std::optional<ProcessState> now = read_process_state(pid, &why);
    if (!now || now->last_seq <= before.last_seq || now->last_reason != "signal") continue;
    if (now->last_error) {
      fmt::print(stderr, "{}: process {} could not write its dump to {}: {}\n", kWho, pid,
                 now->last_path, std::strerror(now->last_error));
      return kExitProblems;
    }
    const std::string path = reachable(pid, now->last_path);
    LoadedDumps loaded = read_dump_files({path}, kWho);
    for (const Dump& d : loaded.files.empty() ? std::vector<Dump>{} : loaded.files[0].dumps) {
      if (d.pid != pid || d.seq != (int64_t)now->last_seq || !d.complete) continue;
      render(d, now->last_path, args);
      return kExitOk;
    }
    fmt::print(stderr, "{}: process {} reports dump {} in {}, but it is not there whole\n", kWho,
               pid, now->last_seq, now->last_path);
    return kExitProblems;
  }
  fmt::print(stderr, "{}: no dump from process {} within {} s (is {} blocked in all its "
                     "threads, or its max_dumps reached?)\n", kWho, pid, args.timeout_s, sig);
  return kExitProblems;
}

}  // namespace

int cmd_snapshot(int argc, char** argv) {
  SnapshotArgs args;
  if (int status = parse(argc, argv, &args); status >= 0) return status;
  std::string why;
  if (std::optional<ProcessState> state = read_process_state(args.pid, &why))
    return snapshot_by_state(args, *state);
  if (!library_loaded(args.pid)) return kExitProblems;
  // Detached: the library is mapped but no longer tracks, nor takes the
  // signal.
  if (std::string options, why_not; !attach::attached_options(args.pid, &options, &why_not)) {
    fmt::print(stderr, "{}: process {} {}\n", kWho, args.pid, why_not);
    return kExitProblems;
  }
  if (args.force) return snapshot_by_environment(args);
  fmt::print(stderr,
             "{}: process {} has libfdscope.so loaded but publishes no state ({}), so whether "
             "the library still takes its dump signal is unknown and it is not sent; --force "
             "sends it anyway\n", kWho, args.pid, why);
  return kExitProblems;
}

}  // namespace fdscope::tool
