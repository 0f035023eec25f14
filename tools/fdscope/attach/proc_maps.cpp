// SPDX-License-Identifier: MIT
#include "attach/proc_maps.h"

#include <cinttypes>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

namespace fdscope::tool::attach {
namespace {

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::vector<Mapping> read_maps(long pid) {
  std::vector<Mapping> maps;
  std::ifstream in(fmt::format("/proc/{}/maps", pid));
  std::string line;
  while (std::getline(in, line)) {
    Mapping m;
    char perms[8] = {0};
    int path_at = 0;
    if (std::sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %n", &m.start,
                    &m.end, perms, &m.offset, &path_at) < 4)
      continue;
    m.exec = perms[2] == 'x';
    if (path_at > 0 && (size_t)path_at < line.size()) m.path = line.substr((size_t)path_at);
    // A file deleted since it was mapped: " (deleted)" follows its name.
    maps.push_back(m);
  }
  return maps;
}

MappedFile find_mapped(const std::vector<Mapping>& maps, const std::string& prefix) {
  MappedFile f;
  for (const Mapping& m : maps) {
    if (m.path.empty() || m.path[0] != '/') continue;
    if (f.path.empty()) {
      if (base_name(m.path).rfind(prefix, 0) != 0) continue;
      f.path = m.path;
      f.lo = m.start;
      f.hi = m.end;
    }
    if (m.path != f.path) continue;
    if (m.offset == 0 && !f.start) f.start = m.start;
    if (m.start < f.lo) f.lo = m.start;
    if (m.end > f.hi) f.hi = m.end;
  }
  return f;
}

std::string file_at(const std::vector<Mapping>& maps, uint64_t addr) {
  for (const Mapping& m : maps)
    if (addr >= m.start && addr < m.end) return m.path;
  return "";
}

}  // namespace fdscope::tool::attach
