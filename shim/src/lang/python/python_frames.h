// SPDX-License-Identifier: MIT
// CPython creation stacks: the Python stack (function, file, line) of the
// code that creates a descriptor, read from inside the library.
//
// Why read the interpreter's memory rather than ask it: CPython releases
// the GIL around open(), socket(), pipe() (Py_BEGIN_ALLOW_THREADS), so its
// C API cannot be called when the library sees the system call, and audit
// events miss os.pipe and subprocess's pipes. But the creating thread is
// blocked inside the library's hook, so its own frames are memory no other
// thread changes, and the code objects they point to are alive: they can
// be read as py-spy and austin read them from outside, here in-process and
// for the calling thread only.
#pragma once

#include <stdint.h>

namespace fdscope::lang {

// At library start-up (before main, possibly before Py_Initialize): true
// when this process runs a CPython this reader knows (3.8-3.13, 64-bit, with
// the GIL), its symbols found with dlsym(RTLD_DEFAULT) in the executable or
// a loaded libpython. Idempotent.
bool python_init();

// The calling thread's Python stack, innermost first, as a language stack
// id (fdscope_lang_stack); 0 when the thread runs no Python, the
// interpreter is not initialised or is finalizing, or anything looks
// wrong. Async-signal-safe, allocation-free, lock-free, keeps errno.
uint32_t python_capture();

}  // namespace fdscope::lang
