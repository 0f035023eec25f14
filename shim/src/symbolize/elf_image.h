// SPDX-License-Identifier: MIT
// A read-only view of an ELF file on disk: program headers, GNU build-id and
// the full symbol table (.symtab, falling back to .dynsym), read with raw
// system calls and bounds-checked against the file's size, so a truncated or
// replaced file yields no names rather than a crash.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace fdscope {

class ElfImage {
 public:
  ElfImage() = default;
  ~ElfImage() { close(); }
  ElfImage(const ElfImage&) = delete;
  ElfImage& operator=(const ElfImage&) = delete;

  bool open(const char* path);
  void close();
  bool valid() const { return data_ != nullptr; }

  // The virtual address that file offset `off` is loaded at.
  bool vaddr_of_offset(uint64_t off, uint64_t* vaddr) const;

  // The GNU build-id as lower-case hex; returns the length (0 if none).
  size_t build_id(char* hex, size_t cap) const;

  // For n ascending virtual addresses, the name of the function symbol
  // holding each (nullptr where none) and the offset into it.
  void symbolize(const uint64_t* vaddrs, size_t n, const char** names, uint64_t* offsets) const;

 private:
  template <typename T>
  const T* at(uint64_t off, uint64_t count = 1) const;

  const unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace fdscope
