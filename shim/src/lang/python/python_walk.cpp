// SPDX-License-Identifier: MIT
// python_capture(): the calling thread's Python frames, innermost first,
// interned as a language stack.
//
// The thread is inside one of the library's hooks, in a system call its
// interpreter made with the GIL released (or holding it: either way no
// other thread changes this thread's frames), so the chain from its
// PyThreadState is stable memory. Each step is checked against what the
// layout promises (the thread state belongs to this thread, frames and
// code objects have the right type objects, owners are in range, chains are
// bounded and do not loop), so a wrong layout or a torn chain gives 0.
//
// Trust: until the layout has been seen to hold in this process, memory is
// read with process_vm_readv (python_memory.h), so that even the first
// wrong pointer is an error code rather than a SIGSEGV in the host. The
// first capture that yields frames switches to plain loads; captures that
// keep failing before that switch the reader off.
#include <atomic>
#include <errno.h>
#include <pthread.h>

#include "../../../include/fdscope_lang.h"
#include "python_frame_cache.h"
#include "python_frames.h"
#include "python_layouts.h"
#include "python_memory.h"
#include "python_runtime.h"
#include "python_unicode.h"

namespace fdscope::lang {
namespace py {
namespace {

constexpr unsigned kMaxFrames = 64;     // the stack store keeps no more (stack_store.h)
constexpr unsigned kMaxSteps = 4096;    // frames walked, skipped ones included
constexpr unsigned kMaxFunction = 255;  // the frame store's limits (lang_frames.h)
constexpr unsigned kMaxFile = 1023;
constexpr unsigned kFailuresBeforeOff = 16;
constexpr int8_t kOwnedByGenerator = 1;  // FRAME_OWNED_BY_GENERATOR (pycore_frame.h)

enum class Walk { kOk, kNoPython, kBad };
enum Trust : int { kUnverified, kTrusted, kOff };

std::atomic<int> g_trust{kUnverified};
std::atomic<unsigned> g_failures{0};

template <class Mem>
class Walker {
 public:
  Walker(Mem& m, const Runtime& rt) : m_(m), rt_(rt), l_(*rt.layout) {}

  Walk run() {
    uintptr_t ts = reinterpret_cast<uintptr_t>(rt_.this_thread_state());
    if (!ts) return Walk::kNoPython;
    unsigned long tid;
    if (!plausible(ts) || !m_.load(ts + l_.tstate_thread_id, &tid)) return Walk::kBad;
    // The state the GIL machinery keeps for this thread names this thread.
    if (tid != static_cast<unsigned long>(pthread_self())) return Walk::kBad;
    uintptr_t f;
    if (!m_.load(ts + l_.tstate_frame, &f)) return Walk::kBad;
    if (l_.cframe_current != kNone) {
      if (!f) return Walk::kNoPython;
      if (!plausible(f) || !m_.load(f + l_.cframe_current, &f)) return Walk::kBad;
    }
    uintptr_t prev = 0;
    for (unsigned steps = 0; f && n_ < kMaxFrames; ++steps) {
      if (steps == kMaxSteps || !plausible(f) || f == prev) return Walk::kBad;
      if (frame(f) == Walk::kBad) return Walk::kBad;
      prev = f;
      if (!m_.load(f + l_.frame_previous, &f)) return Walk::kBad;
    }
    return n_ ? Walk::kOk : Walk::kNoPython;
  }

  const uint32_t* ids() const { return ids_; }
  unsigned count() const { return n_; }

 private:
  // Appends frame f (kOk), skips it (kNoPython: a C entry frame, or one
  // whose first instructions have not run), or finds it wrong (kBad).
  Walk frame(uintptr_t f) {
    int8_t owner = -1;
    if (l_.frame_objects) {
      uintptr_t type;
      if (!m_.load(f + kObType, &type) || type != rt_.frame_type) return Walk::kBad;
    } else {
      if (!m_.load(f + l_.frame_owner, &owner) || owner < 0 || owner > l_.owner_max)
        return Walk::kBad;
      if (owner == l_.owner_cstack) return Walk::kNoPython;
    }
    uintptr_t code, type;
    if (!m_.load(f + l_.frame_code, &code) || !plausible(code) || !m_.load(code + kObType, &type))
      return Walk::kBad;
    if (type != rt_.code_type)  // 3.13: f_executable may be None, not a code object
      return l_.instr == Instr::kInstrPtr ? Walk::kNoPython : Walk::kBad;
    int addr;
    Walk w = instruction(f, code, owner, &addr);
    if (w != Walk::kOk) return w;
    return append(code, addr);
  }

  static constexpr int kUnknownAddr = -2;

  // The byte offset of frame f's current instruction in its code, as
  // PyFrame_GetLineNumber computes it, for PyCode_Addr2Line (-1: the frame
  // has not started; its first line).
  Walk instruction(uintptr_t f, uintptr_t code, int8_t owner, int* addr) {
    if (l_.instr == Instr::kLastiBytes || l_.instr == Instr::kLastiUnits) {
      int lasti;
      if (!m_.load(f + l_.frame_instr, &lasti)) return Walk::kBad;
      *addr = lasti < 0 ? -1 : l_.instr == Instr::kLastiUnits ? lasti * 2 : lasti;
      return Walk::kOk;
    }
    uintptr_t ip;
    int first;
    int64_t size;  // ob_size of a code object: its number of code units
    if (!m_.load(f + l_.frame_instr, &ip) || !m_.load(code + l_.code_firsttraceable, &first) ||
        !m_.load(code + kObSize, &size))
      return Walk::kBad;
    intptr_t units = (static_cast<intptr_t>(ip) - static_cast<intptr_t>(code + l_.code_adaptive)) / 2;
    // _PyFrame_IsIncomplete: a frame still in its RESUME prologue is not
    // shown by tracebacks either.
    if (owner != kOwnedByGenerator && units < first) return Walk::kNoPython;
    *addr = units < 0 ? -1 : units < size ? int(units * 2) : kUnknownAddr;
    return Walk::kOk;
  }

  Walk append(uintptr_t code, int addr) {
    FrameKey key{code, 0, 0, addr, 0};
    int16_t name_at = l_.code_qualname != kNone ? l_.code_qualname : int16_t(l_.code_name);
    if (!m_.load(code + name_at, &key.name) || !m_.load(code + l_.code_filename, &key.file) ||
        !m_.load(code + l_.code_firstlineno, &key.firstlineno))
      return Walk::kBad;
    if (Mem::kCached) {
      if (uint32_t id = cached_frame(key)) return ids_[n_++] = id, Walk::kOk;
    }
    const char *name = nullptr, *file = nullptr;
    size_t name_len = 0, file_len = 0;
    if (!text(key.name, name_buf_, kMaxFunction, &name, &name_len) ||
        !text(key.file, file_buf_, kMaxFile, &file, &file_len))
      return Walk::kBad;
    int line = addr == kUnknownAddr ? 0 : rt_.addr2line(reinterpret_cast<void*>(code), addr);
    // An instruction without a location (3.12's artificial ones, where a
    // signal can land): the function's first line, as the frame's nearest.
    if (line < 0) line = key.firstlineno > 0 ? key.firstlineno : 0;
    uint32_t id = fdscope_lang_frame(FDSCOPE_LANG_PYTHON, name, name_len, file, file_len, line, 0);
    if (!id) return Walk::kOk;  // the frame store is full
    if (Mem::kCached) remember_frame(key, id);
    ids_[n_++] = id;
    return Walk::kOk;
  }

  // False when obj is not a str (the layout is wrong); a str this reader
  // cannot decode is named "?".
  bool text(uintptr_t obj, char* buf, size_t cap, const char** s, size_t* len) {
    StrRead r = read_str(m_, rt_, obj, buf, cap, s, len);
    if (r == StrRead::kUnreadable) *s = "?", *len = 1;
    return r != StrRead::kNotStr;
  }

  Mem& m_;
  const Runtime& rt_;
  const Layout& l_;
  uint32_t ids_[kMaxFrames];
  unsigned n_ = 0;
  char name_buf_[kMaxFunction];
  char file_buf_[kMaxFile];
};

// Walks with plain loads; the stack id or 0.
uint32_t walk_direct(const Runtime& rt) {
  DirectMemory m;
  Walker<DirectMemory> w(m, rt);
  return w.run() == Walk::kOk ? fdscope_lang_stack(w.ids(), w.count()) : 0;
}

// Walks with checked reads and learns from the outcome whether the layout
// holds in this process.
uint32_t walk_checked(const Runtime& rt) {
  CheckedMemory m;
  Walker<CheckedMemory> w(m, rt);
  Walk r = w.run();
  if (m.unavailable) {
    // No way to check (seccomp): the layout is the one of the version the
    // interpreter reports, and the walk still validates every step.
    g_trust.store(kTrusted, std::memory_order_relaxed);
    return walk_direct(rt);
  }
  if (r == Walk::kOk) {
    g_trust.store(kTrusted, std::memory_order_relaxed);
    return fdscope_lang_stack(w.ids(), w.count());
  }
  if (r == Walk::kBad && g_failures.fetch_add(1, std::memory_order_relaxed) + 1 >= kFailuresBeforeOff)
    g_trust.store(kOff, std::memory_order_relaxed);
  return 0;
}

}  // namespace
}  // namespace py

uint32_t python_capture() {
  const py::Runtime* rt = py::runtime();
  if (!rt) return 0;
  int trust = py::g_trust.load(std::memory_order_relaxed);
  if (trust == py::kOff) return 0;
  int saved = errno;
  uint32_t id = 0;
  // Before initialisation no user code runs; once finalizing, other
  // threads' states are being freed.
  if (rt->is_initialized() && !(rt->is_finalizing && rt->is_finalizing()))
    id = trust == py::kTrusted ? py::walk_direct(*rt) : py::walk_checked(*rt);
  errno = saved;
  return id;
}

}  // namespace fdscope::lang
