// SPDX-License-Identifier: MIT
// fdscope: runs programs under libfdscope.so and turns its dumps into
// reports. Subcommands live in cli/cmd_*.cpp; the report pipeline they
// share in pipeline/.
#include <malloc.h>

#include <cstring>

#include <fmt/format.h>

#include "cli/commands.h"

namespace {

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: fdscope COMMAND [ARGS...]\n"
             "  run [-o OPTIONS] [--error-exitcode N] [--js] -- CMD ARGS...\n"
             "      run CMD under fdscope and report what it left open\n"
             "  report [--top N] [--format text|json|folded|html] [--all] [--all-frames] [--all-fds] DUMP...\n"
             "      report dumps by call site\n"
             "  diff [--top N] [--format text|json] OLD NEW | FILE\n"
             "      call sites that grew\n"
             "  snapshot [--timeout S] [--format text|json|folded] [--force] PID\n"
             "      dump a running process and report it\n"
             "  attach [-o OPTIONS] PID\n"
             "      load the library into a running process and start tracking\n"
             "  detach PID\n"
             "      stop tracking an attached process\n"
             "  version\n"
             "      print the version\n"
             "Run 'fdscope COMMAND --help' for a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fdscope::tool;
  // Reports read file after file, each one's memory freed and reused for
  // the next: keep it in the process instead of giving it back to the
  // kernel in between (trimmed or unmapped, every file faulted its pages in
  // again; page faults were a third of a report's time).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  if (argc < 2) {
    usage(stderr);
    return kExitUsage;
  }
  const char* cmd = argv[1];
  if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2);
  if (!strcmp(cmd, "report")) return cmd_report(argc - 2, argv + 2);
  if (!strcmp(cmd, "diff")) return cmd_diff(argc - 2, argv + 2);
  if (!strcmp(cmd, "snapshot")) return cmd_snapshot(argc - 2, argv + 2);
  if (!strcmp(cmd, "attach")) return cmd_attach(argc - 2, argv + 2);
  if (!strcmp(cmd, "detach")) return cmd_detach(argc - 2, argv + 2);
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    fmt::print("fdscope {}\n", FDSCOPE_VERSION);
    return kExitOk;
  }
  if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
    usage(stdout);
    return kExitOk;
  }
  fmt::print(stderr, "fdscope: unknown command '{}'\n", cmd);
  usage(stderr);
  return kExitUsage;
}
