// SPDX-License-Identifier: MIT
// Whether libfdscope.so is in a process and in which state (preloaded,
// attached, detached): read from the library's fdscope_attach_info in the
// process's memory (shim/include/fdscope_attach.h), with the options it
// was attached with. Also where a mapped file's symbols are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attach/proc_maps.h"

namespace fdscope::tool::attach {

// A path of the process's file system, as this process can open it
// (through /proc/PID/root, for a process in another mount namespace).
std::string path_in(long pid, const std::string& path);

// The address in the process of the dynamic symbol `name` of the mapped
// file `file` (its ELF read from disk, its load address from the map).
std::optional<uint64_t> symbol_address(long pid, const MappedFile& file, const std::string& name);

struct LibraryState {
  MappedFile library;     // path empty: not loaded
  bool known = false;     // the state below could be read
  uint32_t state = 0;     // enum fdscope_attach_state
  uint32_t patched = 0;
  std::string options;
  std::string problem;    // why the state could not be read
};

LibraryState read_library_state(long pid, const std::vector<Mapping>& maps);

// For fdscope snapshot, until the library publishes its live state for the
// tool: the options of a process fdscope attached to, which its
// environment does not have. True and *options replaced when attached;
// true and *options unchanged when the library is not attached (preloaded,
// or absent); false and *why when it is loaded but not tracking (detached).
bool attached_options(long pid, std::string* options, std::string* why);

}  // namespace fdscope::tool::attach
