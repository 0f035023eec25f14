// SPDX-License-Identifier: MIT
#include "attach/elf_file.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

namespace fdscope::tool::attach {
namespace {

// The whole file, mapped read-only.
class MappedElf {
 public:
  explicit MappedElf(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st{};
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
      void* p = mmap(nullptr, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) data_ = static_cast<const unsigned char*>(p), size_ = (size_t)st.st_size;
    }
    int saved = errno;
    close(fd);
    errno = saved;
  }
  ~MappedElf() {
    if (data_) munmap(const_cast<unsigned char*>(data_), size_);
  }
  MappedElf(const MappedElf&) = delete;
  MappedElf& operator=(const MappedElf&) = delete;

  bool ok() const { return data_ != nullptr; }
  size_t size() const { return size_; }
  // n bytes at off, or nullptr past the end.
  const unsigned char* at(uint64_t off, uint64_t n) const {
    return off <= size_ && n <= size_ - off ? data_ + off : nullptr;
  }

 private:
  const unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

bool is_elf64(const MappedElf& f) {
  const unsigned char* id = f.at(0, sizeof(Elf64_Ehdr));
  return id && memcmp(id, ELFMAG, SELFMAG) == 0 && id[EI_CLASS] == ELFCLASS64;
}

}  // namespace

bool read_elf_facts(const std::string& path, ElfFacts* out) {
  *out = ElfFacts{};
  MappedElf f(path);
  if (!f.ok()) return false;
  const unsigned char* id = f.at(0, EI_NIDENT + 4);
  if (!id || memcmp(id, ELFMAG, SELFMAG) != 0) return true;
  out->is_elf = true;
  out->is_64 = id[EI_CLASS] == ELFCLASS64;
  // e_machine sits at the same offset in both classes.
  memcpy(&out->machine, id + EI_NIDENT + 2, sizeof(out->machine));
  if (!out->is_64) return true;
  Elf64_Ehdr eh;
  memcpy(&eh, f.at(0, sizeof(eh)), sizeof(eh));
  bool first = true;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const unsigned char* p = f.at(eh.e_phoff + (uint64_t)i * eh.e_phentsize, sizeof(Elf64_Phdr));
    if (!p) break;
    Elf64_Phdr ph;
    memcpy(&ph, p, sizeof(ph));
    if (ph.p_type == PT_INTERP) out->has_interp = true;
    if (ph.p_type == PT_LOAD && first) {
      out->first_load_vaddr = ph.p_vaddr & ~(uint64_t)0xfff;
      first = false;
    }
  }
  return true;
}

std::optional<uint64_t> dynamic_symbol(const std::string& path, const std::string& name) {
  MappedElf f(path);
  if (!f.ok() || !is_elf64(f)) return std::nullopt;
  Elf64_Ehdr eh;
  memcpy(&eh, f.at(0, sizeof(eh)), sizeof(eh));
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    const unsigned char* p = f.at(eh.e_shoff + (uint64_t)i * eh.e_shentsize, sizeof(Elf64_Shdr));
    if (!p) break;
    Elf64_Shdr sh;
    memcpy(&sh, p, sizeof(sh));
    if (sh.sh_type != SHT_DYNSYM || sh.sh_entsize != sizeof(Elf64_Sym)) continue;
    const unsigned char* sp = f.at(eh.e_shoff + (uint64_t)sh.sh_link * eh.e_shentsize, sizeof(Elf64_Shdr));
    if (!sp) break;
    Elf64_Shdr strsh;
    memcpy(&strsh, sp, sizeof(strsh));
    const char* strs = reinterpret_cast<const char*>(f.at(strsh.sh_offset, strsh.sh_size));
    const unsigned char* syms = f.at(sh.sh_offset, sh.sh_size);
    if (!strs || !syms) break;
    for (uint64_t k = 0; k < sh.sh_size / sizeof(Elf64_Sym); ++k) {
      Elf64_Sym s;
      memcpy(&s, syms + k * sizeof(Elf64_Sym), sizeof(s));
      if (s.st_shndx == SHN_UNDEF || s.st_name >= strsh.sh_size) continue;
      const char* n = strs + s.st_name;
      if (strnlen(n, strsh.sh_size - s.st_name) == name.size() && name == n) return s.st_value;
    }
  }
  return std::nullopt;
}

std::string machine_name(uint16_t machine, bool is_64) {
  switch (machine) {
    case EM_X86_64: return is_64 ? "x86_64" : "x32";
    case EM_386: return "i386";
    case EM_AARCH64: return "aarch64";
    case EM_ARM: return "arm";
    case EM_RISCV: return is_64 ? "riscv64" : "riscv32";
    case EM_PPC64: return "ppc64";
    case EM_S390: return "s390x";
    default: return fmt::format("ELF machine {}", machine);
  }
}

}  // namespace fdscope::tool::attach
