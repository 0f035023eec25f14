// SPDX-License-Identifier: MIT
// fdscope run [-o OPTIONS] [--error-exitcode N] [--js] -- CMD ARGS...
//
// Runs CMD with libfdscope.so preloaded, collects the dumps its process
// tree writes into a fresh directory, passes CMD's exit status on, and
// reports what was still open (cli/run_child.h does the running).
#include <sys/wait.h>
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
#include "cli/run_child.h"
#include "output/reports.h"
#include "pipeline/report_pipeline.h"

namespace fdscope::tool {
namespace {

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: fdscope run [-o OPTIONS] [--error-exitcode N] [--js] -- CMD [ARGS...]\n"
             "  Runs CMD with libfdscope.so preloaded and reports the descriptors its\n"
             "  processes still hold at exit. Exits with CMD's status (128+N if a\n"
             "  signal N killed it), or N with --error-exitcode N when descriptors\n"
             "  the program created are still open at exit.\n"
             "  -o OPTIONS   FDSCOPE_OPTIONS to add, e.g. -o threshold=100:depth=16\n"
             "  --js         have Node.js write perf maps, so JavaScript frames get names\n");
}

constexpr const char* kWho = "fdscope run";

bool parse_exit_code(const char* s, int* out) {
  size_t v;
  if (!parse_count(s, &v) || v > 255) return false;
  *out = (int)v;
  return true;
}

struct RunArgs {
  ChildSetup setup;
  int error_exitcode = -1;
  int command = 0;  // index of CMD in argv
};

// Parses the options before CMD; returns -1 or an exit status.
int parse(int argc, char** argv, RunArgs* r) {
  int i = 0;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return kExitOk;
    } else if (a == "--js") {
      r->setup.js = true;
    } else if ((a == "-o" || a == "--error-exitcode") && i + 1 >= argc) {
      fmt::print(stderr, "{}: {} needs a value\n", kWho, a);
      return kExitUsage;
    } else if (a == "-o") {
      r->setup.extra_options.push_back(argv[++i]);
    } else if (a == "--error-exitcode") {
      if (!parse_exit_code(argv[++i], &r->error_exitcode)) {
        fmt::print(stderr, "{}: --error-exitcode needs a number 0-255, not '{}'\n", kWho, argv[i]);
        return kExitUsage;
      }
    } else if (a.size() > 1 && a[0] == '-') {
      fmt::print(stderr, "{}: unknown option '{}'\n", kWho, a);
      usage(stderr);
      return kExitUsage;
    } else {
      break;  // the command, without "--"
    }
  }
  if (i >= argc) {
    fmt::print(stderr, "{}: no command given\n", kWho);
    usage(stderr);
    return kExitUsage;
  }
  r->command = i;
  return -1;
}

// Finds the library and makes the dump directory; false: said why.
bool prepare(ChildSetup* s) {
  s->library = find_library();
  if (access(s->library.c_str(), R_OK) != 0) {
    fmt::print(stderr, "{}: cannot find the library at {} (set FDSCOPE_LIBRARY)\n", kWho,
               s->library);
    return false;
  }
  if (char* real = realpath(s->library.c_str(), nullptr)) {
    s->library = real;
    free(real);
  }
  if (!make_run_directory(&s->dump_dir)) {
    fmt::print(stderr, "{}: cannot create a directory for dumps ({}): {}\n", kWho, s->dump_dir,
               std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace

int cmd_run(int argc, char** argv) {
  RunArgs r;
  if (int status = parse(argc, argv, &r); status >= 0) return status;
  if (!prepare(&r.setup)) return kExitToolFailed;
  const std::string& dir = r.setup.dump_dir;
  const char* program = argv[r.command];

  std::vector<std::string> env = child_environment(r.setup);
  int status = spawn_and_wait(argv + r.command, env);
  if (status == -1) return kExitToolFailed;
  int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

  std::vector<std::string> files = dump_files(dir);
  if (r.setup.js) keep_perf_maps(files, dir);
  LoadedDumps loaded = read_dump_files(files, kWho);
  std::vector<const Dump*> finals = select_dumps(loaded, Pick::kLast);
  SiteReport report = make_report(finals, ReportScope{});
  add_earlier_dumps(report, loaded, finals, ReportScope{});
  if (finals.empty()) {
    rmdir(dir.c_str());  // only if empty
    if (exit_code != 126 && exit_code != 127)
      fmt::print(stderr, "\nfdscope: {} exited with status {}; no dumps were written (it ended "
                         "without exit(), or -o output= sent them elsewhere)\n", program, exit_code);
  } else {
    fmt::print(stderr, "\nfdscope: {} exited with status {}; dumps in {}\n", program, exit_code, dir);
    RenderOptions o;
    o.colour = colour_for(STDERR_FILENO);
    render_report(stderr, report, o);
  }
  if (r.error_exitcode >= 0 && report.descriptors > 0) return r.error_exitcode;
  return exit_code;
}

}  // namespace fdscope::tool
