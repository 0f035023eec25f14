// SPDX-License-Identifier: MIT
// Another process's memory map (/proc/PID/maps): which files are mapped
// where, to find its C library and the libfdscope.so loaded into it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fdscope::tool::attach {

struct Mapping {
  uint64_t start = 0, end = 0, offset = 0;
  bool exec = false;
  std::string path;  // "" for anonymous mappings, "[stack]"...
};

// Empty when the map cannot be read (errno set).
std::vector<Mapping> read_maps(long pid);

// A file mapped into the process: its path there and the address of its
// first mapping (offset 0), the start of its ELF image.
struct MappedFile {
  std::string path;
  uint64_t start = 0;
  uint64_t lo = 0, hi = 0;  // extent of all its mappings
};

// The first mapped file whose base name starts with `prefix` (e.g.
// "libc.so."), or one with an empty path.
MappedFile find_mapped(const std::vector<Mapping>& maps, const std::string& prefix);

// The mapped file (or "" for none) that contains addr.
std::string file_at(const std::vector<Mapping>& maps, uint64_t addr);

}  // namespace fdscope::tool::attach
