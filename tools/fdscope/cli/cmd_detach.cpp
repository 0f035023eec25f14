// SPDX-License-Identifier: MIT
// fdscope detach PID
//
// Undoes fdscope attach: the process's calls go to the C library again,
// the library forgets its records and gives up its descriptor and its dump
// signal. The library stays loaded (a later attach uses it again).
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "attach/injector.h"
#include "cli/args.h"
#include "cli/commands.h"

namespace fdscope::tool {
namespace {

constexpr const char* kWho = "fdscope detach";

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: fdscope detach PID\n"
             "  Stops the tracking that fdscope attach started in process PID.\n");
}

}  // namespace

int cmd_detach(int argc, char** argv) {
  long pid = 0;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return kExitOk;
    } else if (pid == 0 && parse_pid(a, &pid)) {
    } else {
      fmt::print(stderr, "{}: unexpected argument '{}'\n", kWho, a);
      usage(stderr);
      return kExitUsage;
    }
  }
  if (pid <= 0) {
    fmt::print(stderr, "{}: give the PID of a process fdscope is attached to\n", kWho);
    usage(stderr);
    return kExitUsage;
  }
  attach::Outcome out = attach::detach_process(pid);
  if (!out.ok) {
    fmt::print(stderr, "{}: {}\n", kWho, out.message);
    return kExitProblems;
  }
  fmt::print(stderr, "fdscope: {}; the process was stopped for {:.1f} ms\n", out.message,
             out.stopped_ms);
  return kExitOk;
}

}  // namespace fdscope::tool
