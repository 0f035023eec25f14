// SPDX-License-Identifier: MIT
// Where in a stopped thread a call of dlopen is safe: not while the thread
// is inside the dynamic linker or the C library's own code, which may hold
// the locks dlopen takes (the loader's, malloc's); a thread blocked in a
// system call is safe unless the call is one malloc makes under its lock
// (mmap, brk...), or a vfork (whose child runs on the thread's stack).
#pragma once

#include <sys/user.h>

#include <string>
#include <vector>

#include "attach/proc_maps.h"

namespace fdscope::tool::attach {

// "" when a call may be made from this state; else why not (for messages).
std::string unsafe_reason(const user_regs_struct& regs, const std::vector<Mapping>& maps);

// Whether thread tid has SIGSEGV blocked, or the process ignores it: the
// call's return to address 0 faults, and the kernel would then reset that
// disposition (to deliver the fault) before it stops for us.
bool trap_signal_masked(long pid, int tid);

}  // namespace fdscope::tool::attach
