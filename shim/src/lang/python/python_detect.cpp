// SPDX-License-Identifier: MIT
// python_init(): is this process a CPython the frame reader knows?
//
// The interpreter's symbols are in the global scope when it is the program:
// linked into the executable (Debian's python3 exports them) or in a
// libpython the executable needs (pyenv, python.org builds). Nothing is
// called that could start the interpreter or change it.
//
// The functions kept for the capture only read memory, in every supported
// version: PyGILState_GetThisThreadState tests that the GIL state's TSS key
// exists (3.12+: PyThread_tss_is_created; before: autoInterpreterState,
// NULL until initialisation and again after finalisation) and then reads it
// with pthread_getspecific; Py_IsInitialized and _Py_IsFinalizing read a
// flag of _PyRuntime; PyCode_Addr2Line decodes the code object's line
// table (co_lnotab, then co_linetable) on the stack.
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

#include <atomic>

#include "python_frames.h"
#include "python_layouts.h"
#include "python_runtime.h"

// dlsym got a new default version in glibc 2.34; the original one is in
// every glibc, back to Amazon Linux 2's 2.26 (as in hooks_api.cpp).
#if defined(__x86_64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.17");
#endif

static_assert(sizeof(void*) == 8, "the CPython layouts are those of 64-bit builds");

namespace fdscope::lang {
namespace py {
namespace {

Runtime g_runtime_data;
std::atomic<const Runtime*> g_runtime{nullptr};
std::atomic<bool> g_tried{false};

void* sym(const char* name) { return dlsym(RTLD_DEFAULT, name); }

// "3.11.2 (main, ...)" -> 3, 11.
bool parse_version(const char* s, unsigned* major, unsigned* minor) {
  unsigned v[2] = {0, 0};
  for (int part = 0; part < 2; ++part) {
    if (*s < '0' || *s > '9') return false;
    while (*s >= '0' && *s <= '9') v[part] = v[part] * 10 + unsigned(*s++ - '0');
    if (part == 0 && *s++ != '.') return false;
  }
  *major = v[0], *minor = v[1];
  return true;
}

// Py_Version (3.11+, PY_VERSION_HEX) or the text of Py_GetVersion().
bool interpreter_version(unsigned* major, unsigned* minor) {
  if (auto* hex = static_cast<const unsigned long*>(sym("Py_Version"))) {
    *major = unsigned(*hex >> 24) & 0xff, *minor = unsigned(*hex >> 16) & 0xff;
    return true;
  }
  auto get_version = reinterpret_cast<const char* (*)()>(sym("Py_GetVersion"));
  return get_version && parse_version(get_version(), major, minor);
}

// 3.13: a GIL build whose own offsets are the table's. A free-threaded
// build (3.13t) has another object header and is refused.
bool debug_offsets_agree(const Layout& l) {
  auto* d = static_cast<const DebugOffsets313*>(sym("_PyRuntime"));
  if (!d || memcmp(d->cookie, "xdebugpy", 8) != 0 || d->free_threaded) return false;
  return d->thread_state.current_frame == l.tstate_frame &&
         d->thread_state.thread_id == l.tstate_thread_id &&
         d->interpreter_frame.previous == l.frame_previous &&
         d->interpreter_frame.executable == l.frame_code &&
         d->interpreter_frame.instr_ptr == l.frame_instr &&
         d->interpreter_frame.owner == uint64_t(l.frame_owner) &&
         d->code_object.filename == l.code_filename && d->code_object.name == l.code_name &&
         d->code_object.qualname == uint64_t(l.code_qualname);
}

bool detect(Runtime* rt) {
  unsigned major, minor;
  if (!sym("Py_IsInitialized") || !interpreter_version(&major, &minor)) return false;
  rt->layout = layout_for(major, minor);
  if (!rt->layout) return false;
  rt->minor = minor;
  if (minor >= 13 && !debug_offsets_agree(*rt->layout)) return false;
#ifdef FDSCOPE_PY_TEST_WRONG_LAYOUT
  // Tests only (tests/lang/python's reader harness): read this interpreter
  // with another version's row, to see that a wrong layout fails safely.
  static const unsigned kOther[] = {11, 12, 13, 8, 10, 11};  // for 3.8 ... 3.13
  rt->layout = layout_for(3, kOther[minor - 8]);
#endif
  rt->this_thread_state = reinterpret_cast<void* (*)()>(sym("PyGILState_GetThisThreadState"));
  rt->is_initialized = reinterpret_cast<int (*)()>(sym("Py_IsInitialized"));
  rt->is_finalizing = reinterpret_cast<int (*)()>(sym(minor >= 13 ? "Py_IsFinalizing" : "_Py_IsFinalizing"));
  rt->addr2line = reinterpret_cast<int (*)(void*, int)>(sym("PyCode_Addr2Line"));
  rt->code_type = reinterpret_cast<uintptr_t>(sym("PyCode_Type"));
  rt->str_type = reinterpret_cast<uintptr_t>(sym("PyUnicode_Type"));
  rt->frame_type = reinterpret_cast<uintptr_t>(sym("PyFrame_Type"));
  return rt->this_thread_state && rt->is_initialized && rt->addr2line && rt->code_type &&
         rt->str_type && rt->frame_type;
}

}  // namespace

const Runtime* runtime() { return g_runtime.load(std::memory_order_acquire); }

}  // namespace py

bool python_init() {
  if (py::g_tried.exchange(true)) return py::runtime() != nullptr;
  if (!py::detect(&py::g_runtime_data)) return false;
  py::g_runtime.store(&py::g_runtime_data, std::memory_order_release);
  return true;
}

}  // namespace fdscope::lang
