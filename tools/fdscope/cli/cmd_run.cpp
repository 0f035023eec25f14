// fdscope run [-o OPTIONS] [--error-exitcode N] -- CMD ARGS...
//
// Runs CMD with libfdscope.so preloaded (found next to this binary, so the
// build tree, an install prefix and a Lambda layer all work), collects the
// dumps its process tree writes into a fresh directory, passes CMD's exit
// status on, and reports what was still open.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <fstream>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "input/dump_selection.h"
#include "symbols/perf_map.h"
#include "output/text.h"
#include "analysis/sites.h"
#include "symbols/source_lines.h"

extern char** environ;

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

std::string self_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  buf[n] = 0;
  std::string p(buf);
  return p.substr(0, p.rfind('/'));
}

std::string find_shim() {
  if (const char* env = getenv("FDSCOPE_LIBRARY"); env && *env) return env;
  return self_dir() + "/../lib/libfdscope.so";
}

bool parse_int(const char* s, int* out) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s, &end, 10);
  if (!*s || *end || errno || v < 0 || v > 255) return false;
  *out = (int)v;
  return true;
}

std::vector<std::string> dump_files(const std::string& dir) {
  std::vector<std::string> files;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.rfind("fdscope.", 0) == 0) files.push_back(dir + "/" + name);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Moves the perf maps of the processes that dumped next to their dumps
// (fdscope.PID.jsonl -> perf-PID.map), where `fdscope report` looks later.
void keep_perf_maps(const std::vector<std::string>& files, const std::string& dir) {
  for (const std::string& f : files) {
    std::string name = f.substr(f.rfind('/') + 1);
    std::string pid = name.substr(8, name.find('.', 8) - 8);  // fdscope.<pid>.jsonl
    std::string from = "/tmp/perf-" + pid + ".map", to = dir + "/perf-" + pid + ".map";
    if (rename(from.c_str(), to.c_str()) != 0 && errno == EXDEV) {
      std::ifstream in(from, std::ios::binary);
      std::ofstream out(to, std::ios::binary);
      if (in && out) {
        out << in.rdbuf();
        unlink(from.c_str());
      }
    }
  }
}

// Runs argv with env; returns the wait status, or -1 (and says why).
int spawn_and_wait(char** argv, std::vector<std::string>& env) {
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  // Like system(): the terminal's ^C goes to the program; we wait for it.
  struct sigaction ignore{}, old_int{}, old_quit{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGQUIT, &ignore, &old_quit);
  pid_t pid = fork();
  if (pid == 0) {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGQUIT, &old_quit, nullptr);
    environ = envp.data();
    execvp(argv[0], argv);
    int err = errno;
    fmt::print(stderr, "fdscope run: cannot run '{}': {}\n", argv[0], std::strerror(err));
    _exit(err == ENOENT ? 127 : 126);
  }
  int status = -1;
  if (pid < 0) {
    fmt::print(stderr, "fdscope run: fork failed: {}\n", std::strerror(errno));
  } else {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGQUIT, &old_quit, nullptr);
  return status;
}

}  // namespace

int cmd_run(int argc, char** argv) {
  std::vector<std::string> extra_options;
  int error_exitcode = -1;
  bool js = false;
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
      js = true;
    } else if (a == "-o" && i + 1 < argc) {
      extra_options.push_back(argv[++i]);
    } else if (a == "--error-exitcode" && i + 1 < argc) {
      if (!parse_int(argv[++i], &error_exitcode)) {
        fmt::print(stderr, "fdscope run: --error-exitcode needs a number 0-255, not '{}'\n", argv[i]);
        return kExitUsage;
      }
    } else if (a == "-o" || a == "--error-exitcode") {
      fmt::print(stderr, "fdscope run: {} needs a value\n", a);
      return kExitUsage;
    } else if (a.size() > 1 && a[0] == '-') {
      fmt::print(stderr, "fdscope run: unknown option '{}'\n", a);
      usage(stderr);
      return kExitUsage;
    } else {
      break;  // the command, without "--"
    }
  }
  if (i >= argc) {
    fmt::print(stderr, "fdscope run: no command given\n");
    usage(stderr);
    return kExitUsage;
  }

  std::string shim = find_shim();
  if (access(shim.c_str(), R_OK) != 0) {
    fmt::print(stderr, "fdscope run: cannot find the library at {} (set FDSCOPE_LIBRARY)\n", shim);
    return kExitToolFailed;
  }
  if (char* real = realpath(shim.c_str(), nullptr)) {
    shim = real;
    free(real);
  }
  const char* tmp = getenv("TMPDIR");
  std::string dir_template = std::string(tmp && *tmp ? tmp : "/tmp") + "/fdscope-run.XXXXXX";
  if (!mkdtemp(dir_template.data())) {
    fmt::print(stderr, "fdscope run: cannot create a directory for dumps ({}): {}\n",
               dir_template, std::strerror(errno));
    return kExitToolFailed;
  }
  const std::string dir = dir_template;

  // Defaults first, then the user's FDSCOPE_OPTIONS, then -o: later wins.
  std::string options = fmt::format("at_exit=1:log=none:output={}/fdscope.%p.jsonl", dir);
  if (const char* env = getenv("FDSCOPE_OPTIONS"); env && *env) options += std::string(":") + env;
  for (const std::string& o : extra_options) options += ":" + o;

  std::vector<std::string> env;
  std::string preload = shim;
  // V8 names its JIT code in /tmp/perf-PID.map; interpreted functions get
  // named trampolines too, so a function keeps its name as it warms up.
  std::string node_options = js ? "--perf-basic-prof-only-functions --interpreted-frames-native-stack" : "";
  for (char** e = environ; *e; ++e) {
    if (strncmp(*e, "LD_PRELOAD=", 11) == 0) {
      if ((*e)[11]) preload += std::string(":") + (*e + 11);
    } else if (js && strncmp(*e, "NODE_OPTIONS=", 13) == 0) {
      node_options = std::string(*e + 13) + " " + node_options;
    } else if (strncmp(*e, "FDSCOPE_OPTIONS=", 16) != 0) {
      env.push_back(*e);
    }
  }
  env.push_back("LD_PRELOAD=" + preload);
  env.push_back("FDSCOPE_OPTIONS=" + options);
  if (js) env.push_back("NODE_OPTIONS=" + node_options);

  int status = spawn_and_wait(argv + i, env);
  if (status == -1) return kExitToolFailed;
  int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

  std::vector<std::string> files = dump_files(dir);
  if (js) keep_perf_maps(files, dir);
  LoadedDumps loaded = load_dump_files(files, "fdscope run");
  name_jit_frames(loaded);
  std::vector<const Dump*> finals = last_dump_per_process(loaded);
  SiteReport report = group_sites(finals);
  SourceLines lines;
  fold_runtime_frames(report);
  add_source_lines(report, lines);
  if (finals.empty()) {
    rmdir(dir.c_str());  // only if empty
    if (exit_code != 126 && exit_code != 127)
      fmt::print(stderr, "\nfdscope: {} exited with status {}; no dumps were written (it ended "
                         "without exit(), or -o output= sent them elsewhere)\n", argv[i], exit_code);
  } else {
    fmt::print(stderr, "\nfdscope: {} exited with status {}; dumps in {}\n", argv[i], exit_code, dir);
    TextOptions o;
    o.colour = isatty(STDERR_FILENO) && !getenv("NO_COLOR");
    print_text_report(stderr, report, o);
  }
  if (error_exitcode >= 0 && report.descriptors > 0) return error_exitcode;
  return exit_code;
}

}  // namespace fdscope::tool
