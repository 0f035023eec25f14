// Shared by the lifecycle tests: the helper program run with a timeout,
// and the descriptors a dump should list. Temporary directories and
// waiting for children are tests/support's (temp_dir.h, child_wait.h).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "child_wait.h"
#include "dump_reader.h"
#include "temp_dir.h"

extern char** environ;

namespace lifecycle {

struct RunResult {
  bool timed_out = false;
  int status = 0;
  pid_t pid = 0;
  std::string out;
};

// Runs argv[0] (a path) with FDSCOPE_OPTIONS=options in an environment that
// is otherwise this process's (so LD_PRELOAD stays), capturing stdout.
// `before_exec` runs in the child (async-signal-safe code only).
inline RunResult run_program(const std::vector<std::string>& argv, const std::string& options,
                             std::chrono::milliseconds timeout = std::chrono::seconds(8),
                             void (*before_exec)() = nullptr) {
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e)
    if (strncmp(*e, "FDSCOPE_OPTIONS=", 16) != 0) env_store.push_back(*e);
  env_store.push_back("FDSCOPE_OPTIONS=" + options);
  std::vector<char*> envp, args;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_store = argv;
  for (auto& s : argv_store) args.push_back(s.data());
  args.push_back(nullptr);

  RunResult res;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(out[1], 1);
    if (before_exec) before_exec();
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  res.pid = pid;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, (int)left.count()) <= 0) break;
    char buf[4096];
    ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) break;
    res.out.append(buf, (size_t)n);
  }
  close(out[0]);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  auto st = fdscope::test::wait_child(pid, std::max(left, std::chrono::milliseconds(100)));
  res.timed_out = !st;
  res.status = st.value_or(0);
  return res;
}

// The first line of `out` that starts with `word `, split into fields.
inline std::vector<std::string> line_fields(const std::string& out, const std::string& word) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::vector<std::string> f;
    for (std::string w; ls >> w;) f.push_back(w);
    if (!f.empty() && f[0] == word) return f;
  }
  return {};
}

// What a dump of this process must list: /proc/self/fd less the shim's own
// (its reserve for dumps), which dumps leave out.
inline std::set<int> reportable_fds() {
  std::set<int> out;
  std::vector<int> own = fdscope::test::shim_own_fds();
  for (int fd : fdscope::test::open_fds())
    if (std::find(own.begin(), own.end(), fd) == own.end()) out.insert(fd);
  return out;
}

inline std::set<int> dump_fds(const fdscope::test::Dump& d) {
  std::set<int> out;
  for (const auto& e : d.fds) out.insert(e.fd);
  return out;
}

// The soft RLIMIT_NOFILE: tests that use fixed high numbers skip below 1024.
inline long soft_fd_limit() {
  struct rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  return (long)lim.rlim_cur;
}

inline std::string join(const std::set<int>& s) {
  std::string out;
  for (int v : s) out += std::to_string(v) + " ";
  return out;
}

// Ends the process if a test outlives its time (a deadlock in the shim):
// a clear failure in seconds instead of the harness's timeout. Its thread
// blocks every signal, so signal tests are unaffected.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::seconds limit) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    thread_ = std::thread([this, limit] {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
        static const char msg[] = "\nwatchdog: test did not finish in time (deadlock?)\n";
        (void)!write(2, msg, sizeof(msg) - 1);
        _exit(124);
      }
    });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace lifecycle
