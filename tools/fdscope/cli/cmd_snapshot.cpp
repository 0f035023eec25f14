// fdscope snapshot [--timeout SECONDS] [--format text|json|folded] PID
//
// Asks a running process for a dump through its dump signal, waits for the
// dump to be written and reports it. The process's own FDSCOPE_OPTIONS (from
// /proc/PID/environ) say which signal and where the dump goes; they are
// parsed by the library's own parser, so the two always agree.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "input/dump_selection.h"
#include "state/options.h"
#include "output/formats.h"
#include "output/text.h"
#include "analysis/sites.h"
#include "symbols/source_lines.h"

namespace fdscope::tool {
namespace {

void usage(std::FILE* out) {
  fmt::print(out,
             "usage: fdscope snapshot [--timeout SECONDS] [--format text|json|folded] PID\n"
             "  Sends the process its dump signal, waits for the dump and reports it.\n");
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

// Environment variable `name` of a NUL-separated environ block.
std::string env_value(const std::string& environ, const std::string& name) {
  size_t pos = 0;
  std::string value;
  while (pos < environ.size()) {
    size_t end = environ.find('\0', pos);
    if (end == std::string::npos) end = environ.size();
    std::string entry = environ.substr(pos, end - pos);
    if (entry.rfind(name + "=", 0) == 0) value = entry.substr(name.size() + 1);
    pos = end + 1;
  }
  return value;
}

std::string expand(const std::string& tmpl, long pid) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '%' && i + 1 < tmpl.size() && tmpl[i + 1] == 'p') {
      out += std::to_string(pid);
      ++i;
    } else {
      out += tmpl[i];
    }
  }
  return out;
}

off_t file_size(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

}  // namespace

int cmd_snapshot(int argc, char** argv) {
  double timeout_s = 10;
  std::string format = "text";
  long pid = 0;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return kExitOk;
    } else if (a == "--timeout" && i + 1 < argc) {
      char* end = nullptr;
      timeout_s = std::strtod(argv[++i], &end);
      if (*end || !(timeout_s > 0)) {
        fmt::print(stderr, "fdscope snapshot: --timeout needs a number of seconds, not '{}'\n", argv[i]);
        return kExitUsage;
      }
    } else if (a == "--format" && i + 1 < argc) {
      format = argv[++i];
      if (format != "text" && format != "json" && format != "folded") {
        fmt::print(stderr, "fdscope snapshot: unknown format '{}' (text, json, folded)\n", format);
        return kExitUsage;
      }
    } else if (a == "--timeout" || a == "--format") {
      fmt::print(stderr, "fdscope snapshot: {} needs a value\n", a);
      return kExitUsage;
    } else if (pid == 0 && !a.empty() && a.find_first_not_of("0123456789") == std::string::npos) {
      pid = std::strtol(a.c_str(), nullptr, 10);
    } else {
      fmt::print(stderr, "fdscope snapshot: unexpected argument '{}'\n", a);
      usage(stderr);
      return kExitUsage;
    }
  }
  if (pid <= 0) {
    fmt::print(stderr, "fdscope snapshot: give the PID of a process running under fdscope\n");
    usage(stderr);
    return kExitUsage;
  }

  const std::string proc = fmt::format("/proc/{}", pid);
  std::string maps, environ;
  if (!read_file(proc + "/maps", &maps) || !read_file(proc + "/environ", &environ)) {
    fmt::print(stderr, "fdscope snapshot: cannot read {}: {}\n", proc,
               errno == ENOENT ? "no such process" : std::strerror(errno));
    return kExitProblems;
  }
  if (maps.find("/libfdscope") == std::string::npos) {
    fmt::print(stderr,
               "fdscope snapshot: process {} has no libfdscope.so loaded (start it with "
               "LD_PRELOAD=.../libfdscope.so or under 'fdscope run')\n", pid);
    return kExitProblems;
  }
  Options options;
  std::string options_text = env_value(environ, "FDSCOPE_OPTIONS");
  parse_options(options_text.c_str(), &options, [](const char*) {});
  if (options.signal == 0) {
    fmt::print(stderr, "fdscope snapshot: process {} runs with signal=0 (signal dumps off)\n", pid);
    return kExitProblems;
  }
  std::string output = options.output;
  if (output == "stderr") {
    fmt::print(stderr, "fdscope snapshot: process {} writes its dumps to its stderr "
                       "(output=stderr); the dump goes there\n", pid);
    kill((pid_t)pid, options.signal);
    return kExitProblems;
  }
  if (output.empty()) {
    std::string tmp = env_value(environ, "TMPDIR");
    output = (tmp.empty() ? std::string("/tmp") : tmp) + "/fdscope.%p.jsonl";
  }
  if (output.find("%t") != std::string::npos) {
    fmt::print(stderr, "fdscope snapshot: the output name of process {} has %t ({}); "
                       "cannot tell which file the dump will go to\n", pid, output);
    return kExitProblems;
  }
  // A relative name is relative to the process's working directory.
  if (!output.empty() && output[0] != '/') {
    char cwd[4096];
    ssize_t n = readlink((proc + "/cwd").c_str(), cwd, sizeof(cwd) - 1);
    if (n <= 0) {
      fmt::print(stderr, "fdscope snapshot: output of process {} is relative ({}) and its working "
                         "directory cannot be read: {}\n", pid, output, std::strerror(errno));
      return kExitProblems;
    }
    output = std::string(cwd, (size_t)n) + "/" + output;
  }
  // The process's file is the expanded name, or name.N if that existed
  // before it (another process with the same pid): watch all of them.
  std::string base = expand(output, pid);
  std::vector<std::string> candidates = {base};
  for (int n = 1; n < 100; ++n) candidates.push_back(fmt::format("{}.{}", base, n));
  std::vector<off_t> sizes;
  for (const std::string& c : candidates) sizes.push_back(file_size(c));

  if (kill((pid_t)pid, options.signal) != 0) {
    fmt::print(stderr, "fdscope snapshot: cannot signal process {}: {}\n", pid, std::strerror(errno));
    return kExitProblems;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (size_t i = 0; i < candidates.size(); ++i) {
      off_t now = file_size(candidates[i]);
      if (now <= sizes[i] || now < 0) continue;
      LoadedDumps loaded = load_dump_files({candidates[i]}, "fdscope snapshot");
      const Dump* latest = nullptr;
      for (const Dump& d : loaded.files[0].dumps)
        if (d.pid == pid && d.reason == "signal" && d.complete) latest = &d;
      if (!latest) continue;  // still being written
      SiteReport report = group_sites({latest});
      SourceLines lines;
      fold_runtime_frames(report);
  add_source_lines(report, lines);
      fmt::print(stderr, "fdscope: dump {} of process {} in {}\n", latest->seq, pid, candidates[i]);
      if (format == "json") {
        print_json_report(stdout, report, (size_t)-1);
      } else if (format == "folded") {
        print_folded_report(stdout, report);
      } else {
        TextOptions o;
        o.colour = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        print_text_report(stdout, report, o);
      }
      return kExitOk;
    }
  }
  fmt::print(stderr,
             "fdscope snapshot: no dump from process {} within {} s (is signal {} blocked, or "
             "handled by the program itself?)\n", pid, timeout_s, options.signal);
  return kExitProblems;
}

}  // namespace fdscope::tool
