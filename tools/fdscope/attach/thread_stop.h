// SPDX-License-Identifier: MIT
// Holding every thread of a process still, with ptrace: PTRACE_SEIZE and
// PTRACE_INTERRUPT each thread of /proc/PID/task (again until no new one
// appears), and letting them go with PTRACE_DETACH. A thread interrupted
// in a system call resumes it as after any stop: the kernel restarts what
// it would restart (ERESTARTSYS and kin), as for gdb or a SIGSTOP/SIGCONT.
// A signal that arrives while a thread is held is delivered when it is let
// go, with its original siginfo.
#pragma once

#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

namespace fdscope::tool::attach {

struct HeldThread {
  int tid = 0;
  bool seized = false;
  bool stopped = false;       // in a ptrace stop now
  bool signal_stop = false;   // ...a signal-delivery-stop (of `signal`, or of a trap we caused)
  int pending = 0;            // a signal to deliver when it is let go
  siginfo_t pending_info{};
};

class HeldProcess {
 public:
  explicit HeldProcess(long pid) : pid_(pid) {}
  // Lets go of every thread still held.
  ~HeldProcess();
  HeldProcess(const HeldProcess&) = delete;
  HeldProcess& operator=(const HeldProcess&) = delete;

  // Seizes and stops every thread. False with *error (one phrase, errno's
  // text included) when a thread cannot be seized or does not stop within
  // `timeout`; the threads seized so far are let go by the caller (or the
  // destructor).
  bool stop_all(std::chrono::milliseconds timeout, std::string* error);

  std::vector<HeldThread>& threads() { return threads_; }
  HeldThread* find(int tid);

  // Lets t run for `run_for`, then stops it again (to get it out of the C
  // library). False when it could not be stopped again.
  bool step(HeldThread& t, std::chrono::microseconds run_for);

  // Waits until t stops (t must have been resumed). Returns the wait status,
  // or 0 on time-out, -1 when the thread is gone. A signal it stops with is
  // kept in t (pending) and the thread resumed without it, unless
  // `report(status)` says this stop is the one awaited.
  template <typename Report>
  int wait_stop(HeldThread& t, std::chrono::steady_clock::time_point deadline, Report report);

  // Lets every thread but `keep_tid` go (to release a lock one of them
  // holds, when a call on keep_tid does not return).
  void release_all_but(int keep_tid);
  // Lets every thread go.
  void release_all();

  long pid() const { return pid_; }

 private:
  bool seize(int tid, std::string* error);
  int poll(HeldThread& t, std::chrono::steady_clock::time_point deadline);
  void release(HeldThread& t);

  long pid_;
  std::vector<HeldThread> threads_;
};

// The wait status of a ptrace stop, decoded.
bool is_event_stop(int status);      // PTRACE_EVENT_STOP: interrupt or group-stop
int stop_signal(int status);         // WSTOPSIG, 0 for an event stop

}  // namespace fdscope::tool::attach

#include "attach/thread_stop_wait.h"
