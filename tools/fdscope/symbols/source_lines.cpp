// SPDX-License-Identifier: MIT
#include "symbols/source_lines.h"

#include "analysis/sites.h"

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

namespace fdscope::tool {

struct SourceLines::Module {
  Dwfl* dwfl = nullptr;
  Dwfl_Module* mod = nullptr;
  ~Module() {
    if (dwfl) dwfl_end(dwfl);
  }
};

namespace {

// Finds separate debug files (/usr/lib/debug/.build-id/...) as gdb does.
const Dwfl_Callbacks kCallbacks = {
    dwfl_build_id_find_elf,
    dwfl_standard_find_debuginfo,
    dwfl_offline_section_address,
    nullptr,
};

std::string hex(const unsigned char* bytes, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += fmt::format("{:02x}", bytes[i]);
  return s;
}

}  // namespace

SourceLines::SourceLines() = default;
SourceLines::~SourceLines() = default;

SourceLines::Module* SourceLines::open(const std::string& path, const std::string& build_id) {
  auto it = modules_.find(path + "@" + build_id);
  if (it != modules_.end()) return it->second.get();
  auto m = std::make_unique<Module>();
  m->dwfl = dwfl_begin(&kCallbacks);
  if (m->dwfl) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    // Base 0: addresses in the module are its ELF virtual addresses.
    if (fd >= 0) m->mod = dwfl_report_elf(m->dwfl, path.c_str(), path.c_str(), fd, 0, false);
    dwfl_report_end(m->dwfl, nullptr, nullptr);
    if (m->mod && !build_id.empty()) {
      const unsigned char* bits = nullptr;
      GElf_Addr vaddr;
      int n = dwfl_module_build_id(m->mod, &bits, &vaddr);
      if (n <= 0 || hex(bits, n) != build_id) m->mod = nullptr;  // not the same binary
    }
  }
  Module* raw = m.get();
  modules_[path + "@" + build_id] = std::move(m);
  return raw;
}

std::optional<SourceLine> SourceLines::lookup(const std::string& module,
                                              const std::string& build_id, uint64_t offset) {
  if (module.empty() || offset == 0) return std::nullopt;
  Module* m = open(module, build_id);
  if (!m || !m->mod) return std::nullopt;
  // A return address points after the call: the call's line is at offset - 1.
  Dwfl_Line* line = dwfl_module_getsrc(m->mod, offset - 1);
  if (!line) return std::nullopt;
  int lineno = 0;
  const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr);
  if (!file || lineno <= 0) return std::nullopt;
  return SourceLine{file, lineno};
}

void add_source_lines(ReportSite& site, SourceLines& lines) {
  for (ReportFrame& f : site.frames)
    if (!f.is_lang())
      if (auto where = lines.lookup(f.module, f.build_id, f.offset)) {
        f.file = where->file;
        f.line = where->line;
      }
}

}  // namespace fdscope::tool
