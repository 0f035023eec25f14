// SPDX-License-Identifier: MIT
// The facts of an ELF file that attaching needs: its class and machine
// (the target's architecture), whether it has an interpreter (a dynamic
// executable), and the values of its dynamic symbols (dlopen in the C
// library, fdscope_attach_start in libfdscope.so).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fdscope::tool::attach {

struct ElfFacts {
  bool is_elf = false;
  bool is_64 = false;
  uint16_t machine = 0;
  bool has_interp = false;      // PT_INTERP: dynamically linked
  uint64_t first_load_vaddr = 0;  // of the first PT_LOAD, page-aligned
};

// False (errno set) when the file cannot be read.
bool read_elf_facts(const std::string& path, ElfFacts* out);

// The value of the defined dynamic symbol `name` (its address relative to
// the load bias), if the file has one.
std::optional<uint64_t> dynamic_symbol(const std::string& path, const std::string& name);

// "x86_64", "i386", "aarch64"...: a machine's name, for messages.
std::string machine_name(uint16_t machine, bool is_64);

}  // namespace fdscope::tool::attach
