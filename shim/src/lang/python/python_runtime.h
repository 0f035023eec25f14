// SPDX-License-Identifier: MIT
// The CPython this process runs, as python_init() found it: its layout row
// and the few functions and type objects the frame reader uses. Written
// once at start-up, read by every capture.
#pragma once

#include <stdint.h>

#include "lang/python/python_layouts.h"

namespace fdscope::lang::py {

struct Runtime {
  const Layout* layout;
  unsigned minor;
  // Each of these only reads memory (no allocation, no lock, no GIL);
  // python_detect.cpp says why for each.
  void* (*this_thread_state)();         // PyGILState_GetThisThreadState
  int (*is_initialized)();              // Py_IsInitialized
  int (*is_finalizing)();               // _Py_IsFinalizing / Py_IsFinalizing
  int (*addr2line)(void* code, int addr);  // PyCode_Addr2Line
  // Type objects, to recognise the objects the layout says are there.
  uintptr_t code_type;                  // &PyCode_Type
  uintptr_t str_type;                   // &PyUnicode_Type
  uintptr_t frame_type;                 // &PyFrame_Type
};

// The runtime, or nullptr before python_init() found one.
const Runtime* runtime();

}  // namespace fdscope::lang::py
