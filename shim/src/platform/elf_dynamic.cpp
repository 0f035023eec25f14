// SPDX-License-Identifier: MIT
#include "platform/elf_dynamic.h"

#include <elf.h>

namespace fdscope {
namespace {

constexpr uintptr_t kPage = 4096;

// glibc rewrites the addresses in a writable dynamic section to absolute
// ones when it loads a module; a read-only one (the vDSO's) keeps offsets.
uintptr_t absolute(uintptr_t base, uintptr_t v) { return v < base ? v + base : v; }

}  // namespace

bool read_elf_dynamic(const dl_phdr_info* info, ElfDynamic* out) {
  *out = ElfDynamic{};
  out->base = info->dlpi_addr;
  const ElfW(Dyn)* dyn = nullptr;
  bool first = true;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD) {
      if (first || start < out->lo) out->lo = start;
      if (first || start + ph.p_memsz > out->hi) out->hi = start + ph.p_memsz;
      first = false;
    } else if (ph.p_type == PT_DYNAMIC) {
      dyn = reinterpret_cast<const ElfW(Dyn)*>(start);
    } else if (ph.p_type == PT_GNU_RELRO) {
      // The dynamic linker protects whole pages: the start rounded down,
      // the end rounded down too.
      out->relro_lo = start & ~(kPage - 1);
      out->relro_hi = (start + ph.p_memsz) & ~(kPage - 1);
      if (out->relro_hi <= out->relro_lo) out->relro_lo = out->relro_hi = 0;
    }
  }
  if (!dyn) return false;
  uintptr_t b = info->dlpi_addr;
  size_t relasz = 0, pltrelsz = 0, relaent = sizeof(ElfW(Rela));
  long pltrel = DT_RELA;
  for (const ElfW(Dyn)* d = dyn; d->d_tag != DT_NULL; ++d) {
    switch (d->d_tag) {
      case DT_SYMTAB: out->symtab = reinterpret_cast<const ElfW(Sym)*>(absolute(b, d->d_un.d_ptr)); break;
      case DT_STRTAB: out->strtab = reinterpret_cast<const char*>(absolute(b, d->d_un.d_ptr)); break;
      case DT_STRSZ: out->strsz = d->d_un.d_val; break;
      case DT_GNU_HASH: out->gnu_hash = reinterpret_cast<const uint32_t*>(absolute(b, d->d_un.d_ptr)); break;
      case DT_HASH: out->sysv_hash = reinterpret_cast<const uint32_t*>(absolute(b, d->d_un.d_ptr)); break;
      case DT_RELA: out->rela = reinterpret_cast<const ElfW(Rela)*>(absolute(b, d->d_un.d_ptr)); break;
      case DT_RELASZ: relasz = d->d_un.d_val; break;
      case DT_RELAENT: relaent = d->d_un.d_val; break;
      case DT_JMPREL: out->jmprel = reinterpret_cast<const ElfW(Rela)*>(absolute(b, d->d_un.d_ptr)); break;
      case DT_PLTRELSZ: pltrelsz = d->d_un.d_val; break;
      case DT_PLTREL: pltrel = (long)d->d_un.d_val; break;
      default: break;
    }
  }
  if (!out->symtab || !out->strtab || relaent != sizeof(ElfW(Rela))) return false;
  out->rela_count = out->rela ? relasz / sizeof(ElfW(Rela)) : 0;
  out->jmprel_count = out->jmprel && pltrel == DT_RELA ? pltrelsz / sizeof(ElfW(Rela)) : 0;
  return true;
}

size_t dynamic_symbol_count(const ElfDynamic& d) {
  if (d.sysv_hash) return d.sysv_hash[1];  // nchain
  if (!d.gnu_hash) return 0;
  // DT_GNU_HASH: nbuckets, symoffset, bloom size, bloom shift, bloom words,
  // buckets, chains. The last symbol is at the end of the longest chain.
  const uint32_t nbuckets = d.gnu_hash[0], symoffset = d.gnu_hash[1], bloom = d.gnu_hash[2];
  const uint32_t* buckets = d.gnu_hash + 4 + bloom * (sizeof(ElfW(Addr)) / 4);
  const uint32_t* chains = buckets + nbuckets;
  uint32_t last = 0;
  for (uint32_t i = 0; i < nbuckets; ++i)
    if (buckets[i] > last) last = buckets[i];
  if (last < symoffset) return symoffset;
  while (!(chains[last - symoffset] & 1)) ++last;
  return last + 1;
}

const char* dynamic_symbol_name(const ElfDynamic& d, size_t i) {
  uint32_t off = d.symtab[i].st_name;
  return d.strsz && off < d.strsz ? d.strtab + off : "";
}

bool writable_as_is(const dl_phdr_info* info, const ElfDynamic& d, uintptr_t addr) {
  if (addr >= d.relro_lo && addr < d.relro_hi) return false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_W) && addr >= start && addr < start + ph.p_memsz)
      return true;
  }
  return false;
}

bool module_contains(const dl_phdr_info* info, uintptr_t addr) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD && addr >= start && addr < start + ph.p_memsz) return true;
  }
  return false;
}

}  // namespace fdscope
