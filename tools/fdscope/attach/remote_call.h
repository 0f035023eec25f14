// SPDX-License-Identifier: MIT
// Calling a function in a thread held by ptrace (x86_64): its registers
// and extended state (x87/SSE/AVX) are saved, the call is set up below its
// stack's red zone with a return address of 0, so that the return faults
// back to us, and everything is put back afterwards, including a system
// call the thread was stopped in (orig_rax), which the kernel then
// restarts as after any stop.
#pragma once

#include <sys/user.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "attach/remote_memory.h"
#include "attach/thread_stop.h"

namespace fdscope::tool::attach {

struct CallOutcome {
  enum Kind { kReturned, kCrashed, kTimedOut, kGone, kFailed } kind = kFailed;
  uint64_t value = 0;  // rax, when kReturned
  std::string detail;  // what went wrong, otherwise
};

class RemoteCaller {
 public:
  // Saves t's state (t must be stopped, not in a signal-delivery-stop).
  RemoteCaller(HeldProcess& process, HeldThread& t, const RemoteMemory& memory);
  // Puts the state back (restore() if not done).
  ~RemoteCaller();
  RemoteCaller(const RemoteCaller&) = delete;
  RemoteCaller& operator=(const RemoteCaller&) = delete;

  bool ok() const { return saved_; }
  const user_regs_struct& saved_regs() const { return regs_; }

  // Copies s (with its NUL) below the stack pointer; returns its address,
  // or 0 when it cannot be written.
  uint64_t push_string(const std::string& s);

  // fn(args...) (up to 6 integer arguments). `slow` is called once when the
  // call has not returned after `slow_after` (to let other threads go);
  // the call is given up after `timeout`.
  CallOutcome call(uint64_t fn, std::initializer_list<uint64_t> args,
                   std::chrono::milliseconds slow_after, std::chrono::milliseconds timeout,
                   const std::function<void()>& slow);

  // Puts the thread's state back; false if that failed.
  bool restore();

 private:
  HeldProcess& process_;
  HeldThread& thread_;
  const RemoteMemory& memory_;
  bool saved_ = false;
  bool restored_ = false;
  user_regs_struct regs_{};
  std::vector<unsigned char> xstate_;
  int xstate_note_ = 0;  // NT_X86_XSTATE, or NT_PRFPREG without XSAVE
  uint64_t scratch_sp_ = 0;  // the lowest address written below the stack
};

}  // namespace fdscope::tool::attach
