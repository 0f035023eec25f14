// SPDX-License-Identifier: MIT
// The process's file-backed mappings, read from /proc/self/maps with raw
// system calls (dl_iterate_phdr would take the loader's lock, which a signal
// may have interrupted).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/scratch.h"

namespace fdscope {

struct Mapping {
  uintptr_t start, end;
  uint64_t offset;
  const char* path;  // NUL-terminated, in the scratch buffer
  int module;        // index into the module list
};

struct ProcMaps {
  Mapping* maps = nullptr;  // sorted by start
  size_t count = 0;
  const char** module_paths = nullptr;  // distinct paths, in order of first mapping
  size_t module_count = 0;

  // Reads /proc/self/maps; false if it could not be read.
  bool load(Scratch& scratch);
  // The mapping holding addr, or nullptr (JIT code, anonymous memory).
  const Mapping* find(uintptr_t addr) const;
};

}  // namespace fdscope
