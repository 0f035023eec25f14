// SPDX-License-Identifier: MIT
// Turns the return addresses of the stacks in a dump into module, offset and
// function name, using /proc/self/maps and each module's ELF symbol table.
// Everything lives in the dump's scratch memory; signal-safe.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "symbolize/elf_image.h"
#include "symbolize/proc_maps.h"
#include "util/scratch.h"

namespace fdscope {

struct ResolvedFrame {
  uintptr_t addr;
  int module;          // index into modules(), -1 outside any file (JIT code)
  uint64_t offset;     // addr - module load bias: the ELF virtual address
  const char* name;    // function symbol, nullptr if unknown
  uint64_t name_offset;
};

struct Module {
  const char* path;
  uintptr_t bias;      // load address of ELF virtual address 0
  char build_id[129];
  bool used;           // referenced by a frame
  ElfImage image;      // kept mapped while names are in use
};

class Symbolizer {
 public:
  // addrs: the distinct return addresses to resolve (sorted here in place).
  bool resolve(Scratch& scratch, uintptr_t* addrs, size_t n);
  const ResolvedFrame* find(uintptr_t addr) const;
  Module* modules() const { return modules_; }
  size_t module_count() const { return maps_.module_count; }
  void release();  // unmaps the ELF images

 private:
  ProcMaps maps_;
  Module* modules_ = nullptr;
  ResolvedFrame* frames_ = nullptr;
  size_t count_ = 0;
};

}  // namespace fdscope
