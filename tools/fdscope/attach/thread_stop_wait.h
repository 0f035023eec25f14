// SPDX-License-Identifier: MIT
// HeldProcess::wait_stop (thread_stop.h), a template.
#pragma once

#include <sys/ptrace.h>
#include <sys/wait.h>

namespace fdscope::tool::attach {

template <typename Report>
int HeldProcess::wait_stop(HeldThread& t, std::chrono::steady_clock::time_point deadline,
                           Report report) {
  for (;;) {
    int status = poll(t, deadline);
    if (status <= 0) return status;
    if (report(status)) return status;
    // Not the stop awaited: a signal is kept for later, and the thread
    // goes on without it for now; an interrupt or group-stop is passed by.
    int sig = stop_signal(status);
    if (sig && !t.pending) {
      t.pending = sig;
      ptrace(PTRACE_GETSIGINFO, t.tid, nullptr, &t.pending_info);
    }
    t.stopped = t.signal_stop = false;
    if (ptrace(PTRACE_CONT, t.tid, nullptr, nullptr) != 0) return -1;
  }
}

}  // namespace fdscope::tool::attach
