// SPDX-License-Identifier: MIT
// Whether fdscope may attach to (or detach from) a process, checked before
// anything touches it: that it exists, may be traced by this user (the
// user, kernel.yama.ptrace_scope, another tracer), is a running x86_64
// process with glibc's dynamic linker, and the library's state in it.
// Each refusal is one phrase, for one line on stderr.
#pragma once

#include <string>
#include <vector>

#include "attach/library_state.h"
#include "attach/proc_maps.h"

namespace fdscope::tool::attach {

struct Target {
  long pid = 0;
  std::string name;  // its comm, for messages
  std::vector<Mapping> maps;
  MappedFile libc;
  LibraryState library;
};

// "" and *t filled when attaching can be tried; else the reason.
// `library` is the libfdscope.so to load (its path, as this process sees it).
std::string check_attach(long pid, const std::string& library, Target* t);

// The same for detaching (fdscope must be attached).
std::string check_detach(long pid, Target* t);

}  // namespace fdscope::tool::attach
