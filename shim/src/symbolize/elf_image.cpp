// SPDX-License-Identifier: MIT
#include "symbolize/elf_image.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>

#include "platform/reserve_fd.h"
#include "platform/sys.h"

namespace fdscope {

// Headers at a misaligned offset are refused: a valid file never has
// them, and reading them as structures is undefined behaviour (found by
// fuzzing: program headers at an odd e_phoff).
template <typename T>
const T* ElfImage::at(uint64_t off, uint64_t count) const {
  if (off > size_ || count > (size_ - off) / sizeof(T)) return nullptr;
  if (reinterpret_cast<uintptr_t>(data_ + off) % alignof(T) != 0) return nullptr;
  return reinterpret_cast<const T*>(data_ + off);
}

bool ElfImage::open(const char* path) {
  close();
  long fd = open_with_reserve(
      [path] { return sys::ops.openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0); });
  if (fd < 0) return false;
  struct stat st{};
  if (sys::ops.fstat((int)fd, &st) == 0 && S_ISREG(st.st_mode) &&
      st.st_size >= (off_t)sizeof(ElfW(Ehdr))) {
    void* p = sys::ops.map_file((int)fd, (size_t)st.st_size);
    if (p) {
      data_ = static_cast<const unsigned char*>(p);
      size_ = (size_t)st.st_size;
    }
  }
  sys::ops.close((int)fd);
  if (!data_) return false;
  const auto* eh = at<ElfW(Ehdr)>(0);
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32)) {
    close();
    return false;
  }
  return true;
}

void ElfImage::close() {
  if (data_) sys::ops.unmap(const_cast<unsigned char*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

bool ElfImage::vaddr_of_offset(uint64_t off, uint64_t* vaddr) const {
  if (!data_) return false;
  const auto* eh = at<ElfW(Ehdr)>(0);
  const auto* ph = at<ElfW(Phdr)>(eh->e_phoff, eh->e_phnum);
  if (!ph) return false;
  for (unsigned i = 0; i < eh->e_phnum; ++i) {
    if (ph[i].p_type != PT_LOAD) continue;
    // Mappings start at page boundaries: compare page-aligned.
    uint64_t align = ph[i].p_align > 1 ? ph[i].p_align : 4096;
    if (align > 65536) align = 4096;
    uint64_t seg_off = ph[i].p_offset & ~(align - 1);
    uint64_t seg_end = ph[i].p_offset + ph[i].p_filesz;
    if (off >= seg_off && off < seg_end) {
      *vaddr = (ph[i].p_vaddr & ~(align - 1)) + (off - seg_off);
      return true;
    }
  }
  return false;
}

size_t ElfImage::build_id(char* hex, size_t cap) const {
  if (!data_) return 0;
  const auto* eh = at<ElfW(Ehdr)>(0);
  const auto* ph = at<ElfW(Phdr)>(eh->e_phoff, eh->e_phnum);
  if (!ph) return 0;
  for (unsigned i = 0; i < eh->e_phnum; ++i) {
    if (ph[i].p_type != PT_NOTE) continue;
    uint64_t p = ph[i].p_offset, end = p + ph[i].p_filesz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const auto* nh = at<ElfW(Nhdr)>(p);
      if (!nh) break;
      uint64_t name = p + sizeof(ElfW(Nhdr));
      uint64_t desc = name + ((nh->n_namesz + 3) & ~3u);
      uint64_t next = desc + ((nh->n_descsz + 3) & ~3u);
      if (next > end || !at<char>(desc, nh->n_descsz)) break;
      if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
          memcmp(data_ + name, "GNU", 4) == 0) {
        size_t n = 0;
        for (uint32_t k = 0; k < nh->n_descsz && n + 2 < cap; ++k) {
          hex[n++] = "0123456789abcdef"[data_[desc + k] >> 4];
          hex[n++] = "0123456789abcdef"[data_[desc + k] & 15];
        }
        hex[n] = 0;
        return n;
      }
      p = next;
    }
  }
  return 0;
}

void ElfImage::symbolize(const uint64_t* vaddrs, size_t n, const char** names,
                         uint64_t* offsets) const {
  for (size_t i = 0; i < n; ++i) names[i] = nullptr, offsets[i] = 0;
  if (!data_ || n == 0) return;
  const auto* eh = at<ElfW(Ehdr)>(0);
  const auto* sh = at<ElfW(Shdr)>(eh->e_shoff, eh->e_shnum);
  if (!sh || eh->e_shnum == 0) return;

  const ElfW(Shdr)* table = nullptr;
  for (unsigned i = 0; i < eh->e_shnum; ++i)
    if (sh[i].sh_type == SHT_SYMTAB) table = &sh[i];
  if (!table)
    for (unsigned i = 0; i < eh->e_shnum; ++i)
      if (sh[i].sh_type == SHT_DYNSYM) table = &sh[i];
  if (!table || table->sh_link >= eh->e_shnum || table->sh_entsize != sizeof(ElfW(Sym))) return;
  const ElfW(Shdr)& strtab = sh[table->sh_link];
  const auto* syms = at<ElfW(Sym)>(table->sh_offset, table->sh_size / sizeof(ElfW(Sym)));
  const char* strs = at<char>(strtab.sh_offset, strtab.sh_size);
  if (!syms || !strs) return;
  size_t nsyms = table->sh_size / sizeof(ElfW(Sym));

  for (size_t s = 0; s < nsyms; ++s) {
    const ElfW(Sym)& sym = syms[s];
    unsigned type = ELF64_ST_TYPE(sym.st_info);
    if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
        sym.st_size == 0 || sym.st_name >= strtab.sh_size)
      continue;
    // Binary search the first address >= st_value, then walk the range.
    size_t lo = 0, hi = n;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (vaddrs[mid] < sym.st_value) lo = mid + 1;
      else hi = mid;
    }
    for (size_t i = lo; i < n && vaddrs[i] < sym.st_value + sym.st_size; ++i) {
      const char* name = strs + sym.st_name;
      if (!memchr(name, 0, strtab.sh_size - sym.st_name)) continue;
      // Prefer a global name over a local alias of the same code.
      if (names[i] && ELF64_ST_BIND(sym.st_info) == STB_LOCAL) continue;
      names[i] = name;
      offsets[i] = vaddrs[i] - sym.st_value;
    }
  }
}

}  // namespace fdscope
