// SPDX-License-Identifier: MIT
#include "attach/remote_call.h"

#include <elf.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace fdscope::tool::attach {
namespace {

using Clock = std::chrono::steady_clock;

// Below the stack pointer: the red zone the interrupted code may use (128
// bytes on x86_64), and some room.
constexpr uint64_t kRedZone = 128 + 128;
constexpr size_t kMaxXstate = 64 * 1024;

}  // namespace

RemoteCaller::RemoteCaller(HeldProcess& process, HeldThread& t, const RemoteMemory& memory)
    : process_(process), thread_(t), memory_(memory) {
  if (!t.stopped || t.signal_stop) return;
  if (ptrace(PTRACE_GETREGS, t.tid, nullptr, &regs_) != 0) return;
  xstate_.resize(kMaxXstate);
  iovec iov{xstate_.data(), xstate_.size()};
  if (ptrace(PTRACE_GETREGSET, t.tid, reinterpret_cast<void*>(NT_X86_XSTATE), &iov) == 0) {
    xstate_.resize(iov.iov_len);
    xstate_note_ = NT_X86_XSTATE;
  } else {
    // No XSAVE: the FXSAVE area (x87, SSE) is what there is.
    xstate_.resize(sizeof(user_fpregs_struct));
    iov = iovec{xstate_.data(), xstate_.size()};
    if (ptrace(PTRACE_GETREGSET, t.tid, reinterpret_cast<void*>(NT_PRFPREG), &iov) != 0) return;
    xstate_.resize(iov.iov_len);
    xstate_note_ = NT_PRFPREG;
  }
  scratch_sp_ = (regs_.rsp - kRedZone) & ~(uint64_t)15;
  saved_ = true;
}

RemoteCaller::~RemoteCaller() {
  if (saved_ && !restored_) restore();
}

uint64_t RemoteCaller::push_string(const std::string& s) {
  uint64_t at = (scratch_sp_ - (s.size() + 1)) & ~(uint64_t)15;
  if (!memory_.write(at, s.c_str(), s.size() + 1)) return 0;
  scratch_sp_ = at;
  return at;
}

CallOutcome RemoteCaller::call(uint64_t fn, std::initializer_list<uint64_t> args,
                               std::chrono::milliseconds slow_after,
                               std::chrono::milliseconds timeout,
                               const std::function<void()>& slow) {
  CallOutcome out;
  if (!saved_ || args.size() > 6) {
    out.detail = "the thread's registers could not be saved";
    return out;
  }
  // The return address 0 at the top, the stack aligned as at a call
  // instruction (rsp + 8 a multiple of 16 at the function's entry).
  uint64_t sp = (scratch_sp_ - 64) & ~(uint64_t)15;
  sp -= 8;
  const uint64_t zero = 0;
  if (!memory_.write(sp, &zero, sizeof(zero))) {
    out.detail = fmt::format("cannot write to the stack of thread {}: {}", thread_.tid,
                             std::strerror(errno));
    return out;
  }
  user_regs_struct r = regs_;
  unsigned long long* slots[] = {&r.rdi, &r.rsi, &r.rdx, &r.rcx, &r.r8, &r.r9};
  size_t i = 0;
  for (uint64_t a : args) *slots[i++] = a;
  r.rsp = sp;
  r.rip = fn;
  r.rax = 0;
  // Not a system call any more: the kernel must not restart one when the
  // thread resumes into the function.
  r.orig_rax = (unsigned long long)-1;
  r.eflags &= ~0x400ull;  // DF clear, as the ABI wants at a call
  if (ptrace(PTRACE_SETREGS, thread_.tid, nullptr, &r) != 0) {
    out.detail = fmt::format("cannot set the registers of thread {}: {}", thread_.tid,
                             std::strerror(errno));
    return out;
  }
  thread_.stopped = false;
  if (ptrace(PTRACE_CONT, thread_.tid, nullptr, nullptr) != 0) {
    out.detail = fmt::format("cannot resume thread {}: {}", thread_.tid, std::strerror(errno));
    return out;
  }
  const auto start = Clock::now();
  bool slow_called = false;
  auto returned = [&](int status) {
    if (stop_signal(status) != SIGSEGV) return false;
    user_regs_struct now{};
    return ptrace(PTRACE_GETREGS, thread_.tid, nullptr, &now) == 0 && now.rip == 0;
  };
  auto crashed = [](int status) {
    int sig = stop_signal(status);
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE;
  };
  for (;;) {
    auto deadline = slow_called ? start + timeout : start + slow_after;
    int status = process_.wait_stop(thread_, deadline,
                                    [&](int s) { return returned(s) || crashed(s); });
    if (status < 0) {
      out.kind = CallOutcome::kGone;
      out.detail = fmt::format("thread {} exited during the call", thread_.tid);
      return out;
    }
    if (status == 0 && !slow_called) {
      slow_called = true;
      if (slow) slow();
      continue;
    }
    if (status == 0) {
      out.kind = CallOutcome::kTimedOut;
      out.detail = fmt::format("the call did not return within {} ms", timeout.count());
      ptrace(PTRACE_INTERRUPT, thread_.tid, nullptr, nullptr);
      process_.wait_stop(thread_, Clock::now() + std::chrono::milliseconds(1000),
                         [](int s) { return is_event_stop(s) || stop_signal(s) != 0; });
      return out;
    }
    user_regs_struct now{};
    ptrace(PTRACE_GETREGS, thread_.tid, nullptr, &now);
    if (returned(status)) {
      out.kind = CallOutcome::kReturned;
      out.value = now.rax;
      return out;
    }
    out.kind = CallOutcome::kCrashed;
    out.detail = fmt::format("the call faulted (signal {} at {:#x})", stop_signal(status),
                             (unsigned long long)now.rip);
    return out;
  }
}

bool RemoteCaller::restore() {
  if (!saved_) return false;
  restored_ = true;
  iovec iov{xstate_.data(), xstate_.size()};
  bool ok = ptrace(PTRACE_SETREGSET, thread_.tid, reinterpret_cast<void*>((long)xstate_note_), &iov) == 0;
  ok = ptrace(PTRACE_SETREGS, thread_.tid, nullptr, &regs_) == 0 && ok;
  return ok;
}

}  // namespace fdscope::tool::attach
