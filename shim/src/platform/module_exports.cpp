// SPDX-License-Identifier: MIT
#include "platform/module_exports.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>

#include "platform/elf_dynamic.h"

namespace fdscope {
namespace {

struct Found {
  uintptr_t probe;
  bool found = false;
  ElfDynamic d;
};

int find(dl_phdr_info* info, size_t, void* data) {
  Found* f = static_cast<Found*>(data);
  if (!module_contains(info, f->probe)) return 0;
  f->found = read_elf_dynamic(info, &f->d);
  return 1;
}

}  // namespace

long for_each_exported_function(const void* addr_in_module,
                                void (*each)(const char*, void*, void*), void* ctx) {
  Found f;
  f.probe = reinterpret_cast<uintptr_t>(addr_in_module);
  dl_iterate_phdr(find, &f);
  if (!f.found) return -1;
  long n = 0;
  size_t count = dynamic_symbol_count(f.d);
  for (size_t i = 1; i < count; ++i) {
    const ElfW(Sym)& s = f.d.symtab[i];
    unsigned bind = ELF64_ST_BIND(s.st_info), type = ELF64_ST_TYPE(s.st_info);
    if (type != STT_FUNC || (bind != STB_GLOBAL && bind != STB_WEAK)) continue;
    if (s.st_shndx == SHN_UNDEF || s.st_value == 0) continue;
    if (ELF64_ST_VISIBILITY(s.st_other) != STV_DEFAULT) continue;
    each(dynamic_symbol_name(f.d, i), reinterpret_cast<void*>(f.d.base + s.st_value), ctx);
    ++n;
  }
  return n;
}

}  // namespace fdscope
