// SPDX-License-Identifier: MIT
// A loaded module's dynamic section, read in memory (dl_iterate_phdr): its
// symbols and relocations, its extent, and which of its pages the dynamic
// linker made read-only after relocating them (RELRO). For the GOT
// patching of fdscope attach (platform/got_patch.h) and for listing the
// library's own exports.
#pragma once

#include <link.h>
#include <stddef.h>
#include <stdint.h>

namespace fdscope {

struct ElfDynamic {
  uintptr_t base = 0;                  // load bias
  uintptr_t lo = 0, hi = 0;            // extent of the PT_LOAD segments
  uintptr_t relro_lo = 0, relro_hi = 0;  // pages read-only after relocation; 0, 0: none
  const ElfW(Sym)* symtab = nullptr;
  const char* strtab = nullptr;
  size_t strsz = 0;
  const uint32_t* gnu_hash = nullptr;
  const uint32_t* sysv_hash = nullptr;
  const ElfW(Rela)* rela = nullptr;    // DT_RELA
  size_t rela_count = 0;
  const ElfW(Rela)* jmprel = nullptr;  // DT_JMPREL (RELA on x86_64 and aarch64)
  size_t jmprel_count = 0;
};

// False for a module without a dynamic section or symbol table.
bool read_elf_dynamic(const dl_phdr_info* info, ElfDynamic* out);

// Number of entries in the dynamic symbol table (from its hash table).
size_t dynamic_symbol_count(const ElfDynamic& d);

// The name of symbol i, or "" when it is out of the string table.
const char* dynamic_symbol_name(const ElfDynamic& d, size_t i);

// Whether addr lies in a writable segment of the module outside its RELRO
// pages (a GOT entry there can be written as it is).
bool writable_as_is(const dl_phdr_info* info, const ElfDynamic& d, uintptr_t addr);

// Whether the module contains addr (one of its PT_LOAD segments).
bool module_contains(const dl_phdr_info* info, uintptr_t addr);

}  // namespace fdscope
