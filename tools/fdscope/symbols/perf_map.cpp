// SPDX-License-Identifier: MIT
#include "symbols/perf_map.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

namespace fdscope::tool {

bool PerfMap::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    char* end = nullptr;
    uint64_t start = std::strtoull(line.c_str(), &end, 16);
    if (!end || *end != ' ') continue;
    char* end2 = nullptr;
    uint64_t size = std::strtoull(end + 1, &end2, 16);
    if (!end2 || *end2 != ' ' || size == 0) continue;
    entries_.push_back({start, start + size, std::string(end2 + 1)});
  }
  // Later entries describe code that replaced earlier code at the same
  // place: keep the order of appearance among equal starts (stable sort),
  // and prefer the last in find().
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const Entry& a, const Entry& b) { return a.start < b.start; });
  return true;
}

const std::string* PerfMap::find(uint64_t addr) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), addr,
                             [](uint64_t a, const Entry& e) { return a < e.start; });
  while (it != entries_.begin()) {
    --it;
    if (addr < it->end) return &it->name;
    if (addr - it->start > (1u << 24)) break;  // no code object is that large
  }
  return nullptr;
}

void name_jit_frames(LoadedDumps& loaded) {
  for (ReadResult& file : loaded.files) name_jit_frames(file);
}

void name_jit_frames(ReadResult& file) {
  char host[HOST_NAME_MAX + 1] = {};
  gethostname(host, sizeof(host) - 1);
  for (Dump& d : file.dumps) {
    std::string dir = d.file.find('/') == std::string::npos ? "." : d.file.substr(0, d.file.rfind('/'));
    PerfMap map;
    if (!map.load(fmt::format("{}/perf-{}.map", dir, d.pid)) &&
        !(d.host == host && map.load(fmt::format("/tmp/perf-{}.map", d.pid))))
      continue;
    for (auto& [id, frames] : d.stacks)
      for (DumpFrame& f : frames)
        if (f.module < 0 && !f.is_lang() && f.function.empty())
          if (const std::string* name = map.find(f.addr)) f.function = *name;
  }
}

}  // namespace fdscope::tool
