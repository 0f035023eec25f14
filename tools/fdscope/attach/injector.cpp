// SPDX-License-Identifier: MIT
#include "attach/injector.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ptrace.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "attach/elf_file.h"
#include "attach/library_state.h"
#include "attach/remote_call.h"
#include "attach/remote_memory.h"
#include "attach/safe_point.h"
#include "attach/target_checks.h"
#include "attach/thread_stop.h"
#include "fdscope_attach.h"

namespace fdscope::tool::attach {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kStopTimeout{2000};
// A call that has not returned by then may wait for a lock another thread
// holds: the others are let go. Given up after kCallTimeout.
constexpr milliseconds kSlowCall{250};
constexpr milliseconds kCallTimeout{10000};

struct Functions {
  uint64_t dlopen = 0, dlerror = 0;
};

// dlopen: glibc 2.34+ has it in libc; before, in libdl when the program
// loaded it, else libc's private __libc_dlopen_mode.
Functions find_functions(const Target& t) {
  Functions f;
  const MappedFile libdl = find_mapped(t.maps, "libdl.so");
  for (const MappedFile* m : {&t.libc, &libdl}) {
    if (!f.dlopen) f.dlopen = symbol_address(t.pid, *m, "dlopen").value_or(0);
    if (!f.dlerror) f.dlerror = symbol_address(t.pid, *m, "dlerror").value_or(0);
  }
  if (!f.dlopen) f.dlopen = symbol_address(t.pid, t.libc, "__libc_dlopen_mode").value_or(0);
  return f;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A thread where a call is safe: the main thread first. Threads inside the
// C library are let run a little, and looked at again.
HeldThread* choose_thread(HeldProcess& p, const std::vector<Mapping>& maps, std::string* why) {
  std::vector<HeldThread*> order;
  for (HeldThread& t : p.threads()) {
    if (!t.stopped || t.signal_stop) continue;
    if (t.tid == p.pid())
      order.insert(order.begin(), &t);
    else
      order.push_back(&t);
  }
  for (int round = 0; round < 30; ++round) {
    for (HeldThread* t : order) {
      user_regs_struct regs{};
      if (!t->stopped || ptrace(PTRACE_GETREGS, t->tid, nullptr, &regs) != 0) continue;
      std::string reason = unsafe_reason(regs, maps);
      if (reason.empty() && trap_signal_masked(p.pid(), t->tid)) reason = "blocking SIGSEGV";
      if (reason.empty()) return t;
      if (round == 0) *why = fmt::format("thread {} is {}", t->tid, reason);
    }
    // None: the first thread runs on a little (a tenth of a millisecond,
    // then more), the others stay held.
    for (HeldThread* t : order)
      if (t->stopped && p.step(*t, std::chrono::microseconds(100 << (round / 5)))) break;
  }
  return nullptr;
}

std::string describe(const Target& t) { return fmt::format("process {} ({})", t.pid, t.name); }

Outcome refuse(long pid, const Target& t, const std::string& why, const char* verb) {
  Outcome o;
  o.refused = true;
  o.message = fmt::format("cannot {} {}: {}", verb,
                          t.name.empty() ? fmt::format("process {}", pid) : describe(t), why);
  return o;
}

// While the process is held, ^C, a hang-up or a kill must not end this
// tool: a thread let go in the middle of a call would return to address 0.
class TerminationDeferred {
 public:
  TerminationDeferred() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGPIPE}) sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~TerminationDeferred() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_;
};

// Holds the process, finds a thread to call on, and runs `body` with a
// caller for it; lets everything go and measures the time held.
template <typename Body>
Outcome with_held_process(const Target& t, const char* verb, Body body) {
  TerminationDeferred deferred;
  Outcome out;
  auto fail = [&](const std::string& why) {
    out.ok = false;
    out.message = fmt::format("cannot {} {}: {}", verb, describe(t), why);
  };
  RemoteMemory memory(t.pid, true);
  const auto start = Clock::now();
  {
    HeldProcess process(t.pid);
    std::string error;
    if (!process.stop_all(kStopTimeout, &error)) {
      fail(error);
    } else if (!memory.ok()) {
      fail(fmt::format("cannot open /proc/{}/mem: {}", t.pid, std::strerror(errno)));
    } else {
      std::string why = "no thread could be stopped";
      HeldThread* thread = choose_thread(process, t.maps, &why);
      if (!thread) {
        fail(fmt::format("no thread stopped at a safe point ({}); try again", why));
      } else {
        RemoteCaller caller(process, *thread, memory);
        if (!caller.ok()) {
          fail(fmt::format("cannot save the registers of thread {}", thread->tid));
        } else {
          std::string problem = body(process, *thread, caller, memory, &out);
          if (!problem.empty()) fail(problem);
          if (!caller.restore()) fail(fmt::format("could not restore thread {}", thread->tid));
        }
      }
    }
    process.release_all();
  }
  out.stopped_ms = ms_since(start);
  return out;
}

std::string call_problem(const CallOutcome& c, const char* what) {
  return fmt::format("{}: {}", what, c.detail);
}

}  // namespace

Outcome attach_process(long pid, const std::string& library, const std::string& options) {
  Target t;
  if (std::string why = check_attach(pid, library, &t); !why.empty())
    return refuse(pid, t, why, "attach to");
  const bool loaded = !t.library.library.path.empty();
  Functions fn = find_functions(t);
  if (!loaded && !fn.dlopen) return refuse(pid, t, "its C library has no dlopen", "attach to");
  std::optional<uint64_t> start_fn;
  if (loaded) {
    start_fn = symbol_address(pid, t.library.library, "fdscope_attach_start");
    if (!start_fn)
      return refuse(pid, t, "its libfdscope.so has no fdscope_attach_start", "attach to");
  }
  // Where fdscope_attach_start is in the library, found before the process
  // is stopped: once loaded, only its load bias is needed.
  std::optional<uint64_t> start_offset = dynamic_symbol(library, "fdscope_attach_start");
  if (!loaded && !start_offset)
    return refuse(pid, t, library + " has no fdscope_attach_start", "attach to");
  int status = -1;
  Outcome out = with_held_process(t, "attach to", [&](HeldProcess& process, HeldThread& thread,
                                                       RemoteCaller& caller,
                                                       const RemoteMemory& memory,
                                                       Outcome*) -> std::string {
    auto slow = [&] { process.release_all_but(thread.tid); };
    if (!loaded) {
      uint64_t path = caller.push_string(library);
      if (!path) return "cannot write to its stack";
      CallOutcome c = caller.call(fn.dlopen, {path, RTLD_NOW | RTLD_NODELETE}, kSlowCall,
                                  kCallTimeout, slow);
      if (c.kind != CallOutcome::kReturned) return call_problem(c, "dlopen");
      if (c.value == 0) {
        std::string msg;
        if (fn.dlerror) {
          CallOutcome e = caller.call(fn.dlerror, {}, kSlowCall, kCallTimeout, slow);
          if (e.kind == CallOutcome::kReturned && e.value) msg = memory.read_string(e.value, 512);
        }
        return "dlopen of libfdscope.so failed" + (msg.empty() ? "" : ": " + msg);
      }
      // dlopen's handle is the library's struct link_map, whose first
      // member (l_addr, <link.h>) is its load bias.
      uint64_t bias = 0;
      if (!memory.read(c.value, &bias, sizeof(bias)))
        return "libfdscope.so was loaded, but its link map cannot be read";
      start_fn = bias + *start_offset;
    }
    uint64_t text = caller.push_string(options);
    if (!text) return "cannot write to its stack";
    CallOutcome c = caller.call(*start_fn, {text}, kSlowCall, kCallTimeout, slow);
    if (c.kind != CallOutcome::kReturned) return call_problem(c, "fdscope_attach_start");
    status = (int)(uint32_t)c.value;
    switch (status) {
      case FDSCOPE_ATTACH_OK: return "";
      case FDSCOPE_ATTACH_PRELOADED: return "libfdscope.so is preloaded in it";
      case FDSCOPE_ATTACH_ALREADY: return "fdscope is attached to it already";
      case FDSCOPE_ATTACH_OPTIONS_TOO_LONG: return "the options are too long";
      case FDSCOPE_ATTACH_NO_MEMORY: return "the library found no memory for its tables";
      default: return fmt::format("fdscope_attach_start returned {}", status);
    }
  });
  if (status == FDSCOPE_ATTACH_OK && out.message.empty()) {
    LibraryState after = read_library_state(pid, read_maps(pid));
    out.ok = true;
    out.patched = after.patched;
    out.message = fmt::format("attached to {}: {} GOT {} redirected to libfdscope.so", describe(t),
                              after.patched, after.patched == 1 ? "entry" : "entries");
  }
  return out;
}

Outcome detach_process(long pid) {
  Target t;
  if (std::string why = check_detach(pid, &t); !why.empty()) return refuse(pid, t, why, "detach from");
  auto detach_fn = symbol_address(pid, t.library.library, "fdscope_detach");
  if (!detach_fn) return refuse(pid, t, "its libfdscope.so has no fdscope_detach", "detach from");
  int status = -1;
  Outcome out = with_held_process(t, "detach from", [&](HeldProcess& process, HeldThread& thread,
                                                         RemoteCaller& caller, const RemoteMemory&,
                                                         Outcome*) -> std::string {
    CallOutcome c = caller.call(*detach_fn, {}, kSlowCall, kCallTimeout,
                                [&] { process.release_all_but(thread.tid); });
    if (c.kind != CallOutcome::kReturned) return call_problem(c, "fdscope_detach");
    status = (int)(uint32_t)c.value;
    if (status == FDSCOPE_ATTACH_OK) return "";
    if (status == FDSCOPE_ATTACH_NOT_ATTACHED) return "fdscope is not attached to it";
    return fmt::format("fdscope_detach returned {}", status);
  });
  if (status == FDSCOPE_ATTACH_OK && out.message.empty()) {
    out.ok = true;
    out.message = fmt::format("detached from {}: its calls go to the C library again", describe(t));
  }
  return out;
}

}  // namespace fdscope::tool::attach
