// SPDX-License-Identifier: MIT
// fdscope attach [-o OPTIONS] PID
//
// Loads libfdscope.so into a running process and starts tracking its
// descriptors (attach/injector.h does it); the descriptors it had already
// are reported as untracked. `fdscope snapshot PID` then asks it for a
// dump, and `fdscope detach PID` stops it.
#include <climits>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "attach/injector.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/run_child.h"
#include "state/options.h"

namespace fdscope::tool {
namespace {

constexpr const char* kWho = "fdscope attach";

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: fdscope attach [-o OPTIONS] PID\n"
             "  Loads libfdscope.so into the running process PID (with ptrace) and starts\n"
             "  tracking the descriptors it opens from now on; those it has already are\n"
             "  reported as untracked. The process is stopped for a few milliseconds.\n"
             "  -o OPTIONS   the library's options (as FDSCOPE_OPTIONS), e.g.\n"
             "               -o output=/tmp/dumps/fdscope.%p.jsonl:threshold=500\n"
             "  Then: fdscope snapshot PID (a dump now), fdscope detach PID (stop).\n");
}

// Bad options are refused before the process is touched: the library
// would only say so on the process's stderr.
bool options_valid(const std::string& text) {
  static std::vector<std::string> problems;
  problems.clear();
  fdscope::Options parsed;
  fdscope::parse_options(text.c_str(), &parsed, [](const char* line) { problems.push_back(line); });
  for (std::string line : problems) {
    const std::string from = " in FDSCOPE_OPTIONS; keeping the default\n";
    if (line.size() > from.size() && line.compare(line.size() - from.size(), from.size(), from) == 0)
      line = line.substr(0, line.size() - from.size()) + " in -o\n";
    if (line.rfind("fdscope: ", 0) == 0) line = line.substr(9);
    fmt::print(stderr, "{}: {}", kWho, line);
  }
  return problems.empty();
}

}  // namespace

int cmd_attach(int argc, char** argv) {
  std::string options;
  long pid = 0;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return kExitOk;
    } else if (a == "-o" && i + 1 < argc) {
      if (!options.empty()) options += ":";
      options += argv[++i];
    } else if (a == "-o") {
      fmt::print(stderr, "{}: -o needs a value\n", kWho);
      return kExitUsage;
    } else if (pid == 0 && parse_pid(a, &pid)) {
    } else {
      fmt::print(stderr, "{}: unexpected argument '{}'\n", kWho, a);
      usage(stderr);
      return kExitUsage;
    }
  }
  if (pid <= 0) {
    fmt::print(stderr, "{}: give the PID of a running process\n", kWho);
    usage(stderr);
    return kExitUsage;
  }
  if (!options_valid(options)) return kExitUsage;
  std::string found = find_library();
  char real[PATH_MAX];
  if (!realpath(found.c_str(), real)) {
    fmt::print(stderr, "{}: libfdscope.so not found at {}: {} (set FDSCOPE_LIBRARY)\n", kWho,
               found, std::strerror(errno));
    return kExitProblems;
  }
  const std::string library = real;
  attach::Outcome out = attach::attach_process(pid, library, options);
  if (!out.ok) {
    fmt::print(stderr, "{}: {}\n", kWho, out.message);
    return kExitProblems;
  }
  fmt::print(stderr, "fdscope: {}; the process was stopped for {:.1f} ms\n", out.message,
             out.stopped_ms);
  return kExitOk;
}

}  // namespace fdscope::tool
