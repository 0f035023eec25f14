// SPDX-License-Identifier: MIT
#include "cli/run_child.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "fdscope_common/output_name.h"

extern char** environ;

namespace fdscope::tool {
namespace {

std::string self_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  buf[n] = 0;
  std::string p(buf);
  return p.substr(0, p.rfind('/'));
}

}  // namespace

std::string find_library() {
  if (const char* env = getenv("FDSCOPE_LIBRARY"); env && *env) return env;
  return self_dir() + "/../lib/libfdscope.so";
}

bool make_run_directory(std::string* dir) {
  const char* tmp = getenv("TMPDIR");
  *dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/fdscope-run.XXXXXX";
  if (!mkdtemp(dir->data())) return false;
  // Run as root, the program may drop privileges (nginx's workers run as
  // nobody) and must still be able to leave its dumps here: like /tmp,
  // anyone may create a file (each dump file is 0600, its writer's), but
  // here no one else may list the directory, and the sticky bit keeps a
  // file from being removed or renamed by another user.
  if (geteuid() == 0) chmod(dir->c_str(), 01733);
  return true;
}

std::vector<std::string> child_environment(const ChildSetup& s) {
  std::string options =
      fmt::format("at_exit=1:log=none:output={}/{}", s.dump_dir, common::kDefaultOutputName);
  if (const char* env = getenv("FDSCOPE_OPTIONS"); env && *env) options += std::string(":") + env;
  for (const std::string& o : s.extra_options) options += ":" + o;

  std::vector<std::string> env;
  std::string preload = s.library;
  // V8 names its JIT code in /tmp/perf-PID.map; interpreted functions get
  // named trampolines too, so a function keeps its name as it warms up.
  std::string node_options =
      s.js ? "--perf-basic-prof-only-functions --interpreted-frames-native-stack" : "";
  for (char** e = environ; *e; ++e) {
    if (strncmp(*e, "LD_PRELOAD=", 11) == 0) {
      if ((*e)[11]) preload += std::string(":") + (*e + 11);
    } else if (s.js && strncmp(*e, "NODE_OPTIONS=", 13) == 0) {
      node_options = std::string(*e + 13) + " " + node_options;
    } else if (strncmp(*e, "FDSCOPE_OPTIONS=", 16) != 0) {
      env.push_back(*e);
    }
  }
  env.push_back("LD_PRELOAD=" + preload);
  env.push_back("FDSCOPE_OPTIONS=" + options);
  if (s.js) env.push_back("NODE_OPTIONS=" + node_options);
  return env;
}

int spawn_and_wait(char** argv, std::vector<std::string>& env) {
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

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

}  // namespace fdscope::tool
