// SPDX-License-Identifier: MIT
#include "attach/thread_stop.h"

#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include <fmt/format.h>

namespace fdscope::tool::attach {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<int> list_tasks(long pid) {
  std::vector<int> tids;
  DIR* d = opendir(fmt::format("/proc/{}/task", pid).c_str());
  if (!d) return tids;
  while (dirent* e = readdir(d))
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') tids.push_back(atoi(e->d_name));
  closedir(d);
  std::sort(tids.begin(), tids.end());
  return tids;
}

// A thread that has exited but not been reaped (a zombie leader) cannot
// stop: it is left alone.
bool is_zombie(long pid, int tid) {
  std::ifstream in(fmt::format("/proc/{}/task/{}/stat", pid, tid));
  std::string stat;
  std::getline(in, stat);
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X');
}

}  // namespace

bool is_event_stop(int status) { return WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_STOP; }

int stop_signal(int status) {
  if (!WIFSTOPPED(status) || (status >> 16) != 0) return 0;
  return WSTOPSIG(status);
}

HeldProcess::~HeldProcess() { release_all(); }

HeldThread* HeldProcess::find(int tid) {
  for (HeldThread& t : threads_)
    if (t.tid == tid) return &t;
  return nullptr;
}

bool HeldProcess::seize(int tid, std::string* error) {
  HeldThread t;
  t.tid = tid;
  if (ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) != 0) {
    if (errno == ESRCH) return true;  // it exited meanwhile
    *error = fmt::format("cannot trace thread {}: {}", tid, std::strerror(errno));
    return false;
  }
  t.seized = true;
  if (ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) != 0) {
    *error = fmt::format("cannot stop thread {}: {}", tid, std::strerror(errno));
    threads_.push_back(t);
    return false;
  }
  threads_.push_back(t);
  return true;
}

int HeldProcess::poll(HeldThread& t, Clock::time_point deadline) {
  // Short sleeps at first: most stops come within microseconds.
  auto nap = std::chrono::microseconds(20);
  for (;;) {
    int status = 0;
    pid_t r = waitpid(t.tid, &status, __WALL | WNOHANG);
    if (r == t.tid) {
      if (WIFEXITED(status) || WIFSIGNALED(status)) {
        t.seized = t.stopped = false;
        return -1;
      }
      t.stopped = true;
      t.signal_stop = stop_signal(status) != 0;
      return status;
    }
    if (r < 0 && errno != EINTR) {
      t.seized = t.stopped = false;
      return -1;
    }
    if (Clock::now() >= deadline) return 0;
    std::this_thread::sleep_for(nap);
    if (nap < std::chrono::microseconds(1000)) nap *= 2;
  }
}

bool HeldProcess::stop_all(std::chrono::milliseconds timeout, std::string* error) {
  const auto deadline = Clock::now() + timeout;
  // New threads can appear until every thread that could create one is
  // stopped: list again until the list holds no new thread.
  for (int round = 0; round < 100; ++round) {
    bool added = false;
    for (int tid : list_tasks(pid_)) {
      if (find(tid) || is_zombie(pid_, tid)) continue;
      if (!seize(tid, error)) return false;
      added = true;
    }
    for (HeldThread& t : threads_) {
      if (!t.seized || t.stopped) continue;
      int status = wait_stop(t, deadline, [](int) { return true; });
      if (status == 0) {
        *error = fmt::format("thread {} did not stop within {} ms (in uninterruptible sleep?)",
                             t.tid, timeout.count());
        return false;
      }
      if (status > 0 && stop_signal(status)) {
        // Stopped for a signal that arrived meanwhile: held in that stop,
        // the signal goes on when the thread is let go.
        t.pending = stop_signal(status);
        ptrace(PTRACE_GETSIGINFO, t.tid, nullptr, &t.pending_info);
      }
    }
    if (!added) break;
  }
  if (threads_.empty() || std::none_of(threads_.begin(), threads_.end(),
                                       [](const HeldThread& t) { return t.stopped; })) {
    *error = "no thread of it could be stopped";
    return false;
  }
  return true;
}

bool HeldProcess::step(HeldThread& t, std::chrono::microseconds run_for) {
  if (!t.stopped || t.signal_stop) return false;
  t.stopped = false;
  if (ptrace(PTRACE_CONT, t.tid, nullptr, nullptr) != 0) return false;
  std::this_thread::sleep_for(run_for);
  ptrace(PTRACE_INTERRUPT, t.tid, nullptr, nullptr);
  int status = wait_stop(t, Clock::now() + std::chrono::milliseconds(1000),
                         [](int s) { return is_event_stop(s); });
  return status > 0;
}

void HeldProcess::release(HeldThread& t) {
  if (!t.seized) return;
  if (!t.stopped) {
    // Running (resumed and not stopped again): stop it to let it go.
    ptrace(PTRACE_INTERRUPT, t.tid, nullptr, nullptr);
    int status = poll(t, Clock::now() + std::chrono::milliseconds(1000));
    if (status > 0 && stop_signal(status) && !t.pending) {
      t.pending = stop_signal(status);
      ptrace(PTRACE_GETSIGINFO, t.tid, nullptr, &t.pending_info);
    }
  }
  int sig = 0;
  if (t.pending && t.signal_stop) {
    // In a signal-delivery-stop: the kept signal is delivered from it, with
    // its own siginfo.
    ptrace(PTRACE_SETSIGINFO, t.tid, nullptr, &t.pending_info);
    sig = t.pending;
    t.pending = 0;
  }
  ptrace(PTRACE_DETACH, t.tid, nullptr, reinterpret_cast<void*>((long)sig));
  if (t.pending) syscall(SYS_tgkill, (int)pid_, t.tid, t.pending);  // from an event stop
  t.seized = t.stopped = t.signal_stop = false;
  t.pending = 0;
}

void HeldProcess::release_all_but(int keep_tid) {
  for (HeldThread& t : threads_)
    if (t.tid != keep_tid) release(t);
}

void HeldProcess::release_all() {
  for (HeldThread& t : threads_) release(t);
}

}  // namespace fdscope::tool::attach
