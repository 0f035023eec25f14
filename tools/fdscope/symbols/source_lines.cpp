// SPDX-License-Identifier: MIT
#include "symbols/source_lines.h"

#include "analysis/sites.h"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

namespace fdscope::tool {

struct SourceLines::Module {
  Dwfl* dwfl = nullptr;
  Dwfl_Module* mod = nullptr;
  std::unordered_map<uint64_t, std::vector<SourceFrame>> frames;  // by offset
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

// The name reports show for a function's DIE (following abstract origins
// and declarations): its demangled linkage name, else its name.
std::string function_name(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  const char* linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
  if (!linkage) linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
  if (linkage) {
    int status = -1;
    char* demangled = abi::__cxa_demangle(linkage, nullptr, nullptr, &status);
    std::string name = status == 0 && demangled ? demangled : linkage;
    std::free(demangled);
    return name;
  }
  const char* name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
  return name ? name : "";
}

int udata(Dwarf_Die* die, unsigned attribute) {
  Dwarf_Attribute attr;
  Dwarf_Word v = 0;
  if (dwarf_formudata(dwarf_attr(die, attribute, &attr), &v) != 0) return 0;
  return (int)v;
}

// The inlined subroutines that hold `pc`, innermost first, as source
// frames (each with the line in it), then the frame's own function with
// the line in it; the innermost line is the line table's, each outer one
// the inlined call's (DW_AT_call_file, DW_AT_call_line).
std::vector<SourceFrame> source_frames(Dwfl_Module* mod, uint64_t pc) {
  std::vector<SourceFrame> out;
  SourceFrame here;
  if (Dwfl_Line* line = dwfl_module_getsrc(mod, pc)) {
    int lineno = 0;
    const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr);
    if (file && lineno > 0) here.file = file, here.line = lineno;
  }
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(mod, pc, &bias);
  Dwarf_Die* scopes = nullptr;
  int n = cu ? dwarf_getscopes(cu, pc - bias, &scopes) : 0;
  if (n > 0) {
    // dwarf_getscopes may continue in an inlined function's abstract
    // definition: the chain of concrete scopes is that of the innermost.
    Dwarf_Die innermost = scopes[0];
    std::free(scopes);
    scopes = nullptr;
    n = dwarf_getscopes_die(&innermost, &scopes);
  }
  Dwarf_Files* files = nullptr;
  if (n > 0 && dwarf_getsrcfiles(cu, &files, nullptr) != 0) files = nullptr;
  for (int i = 0; i < n; ++i) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag == DW_TAG_subprogram) break;
    if (tag != DW_TAG_inlined_subroutine) continue;  // a lexical block
    here.function = function_name(&scopes[i]);
    here.inlined = true;
    out.push_back(here);
    // Where the caller called it.
    here = SourceFrame{};
    const char* file = files ? dwarf_filesrc(files, udata(&scopes[i], DW_AT_call_file), nullptr, nullptr)
                             : nullptr;
    int line = udata(&scopes[i], DW_AT_call_line);
    if (file && line > 0) here.file = file, here.line = line;
  }
  std::free(scopes);
  if (out.empty() && here.line <= 0) return out;  // nothing known
  out.push_back(here);
  return out;
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
    // The path comes from the dump: only a regular file is read. A FIFO
    // would block the open for a writer that never comes (O_NONBLOCK lets
    // it return), a device could be read for ever.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st{};
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
      ::close(fd);
      fd = -1;
    }
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

const std::vector<SourceFrame>& SourceLines::lookup(const std::string& module,
                                                   const std::string& build_id, uint64_t offset) {
  static const std::vector<SourceFrame> kNone;
  if (module.empty() || offset == 0) return kNone;
  Module* m = open(module, build_id);
  if (!m || !m->mod) return kNone;
  auto known = m->frames.find(offset);
  if (known != m->frames.end()) return known->second;
  // A return address points after the call: the call is at offset - 1.
  return m->frames[offset] = source_frames(m->mod, offset - 1);
}

void add_source_lines(ReportSite& site, SourceLines& lines) {
  std::vector<ReportFrame> out;
  out.reserve(site.frames.size());
  for (ReportFrame& f : site.frames) {
    const std::vector<SourceFrame>* where = nullptr;
    if (!f.is_lang()) where = &lines.lookup(f.module, f.build_id, f.offset);
    if (where)
      for (const SourceFrame& s : *where) {
        if (!s.inlined) break;
        ReportFrame inl = f;  // the same module and address
        inl.function = s.function;
        inl.file = s.file;
        inl.line = s.line;
        inl.inlined = true;
        inl.async = false;
        out.push_back(std::move(inl));
      }
    if (where && !where->empty() && where->back().line > 0) {
      f.file = where->back().file;
      f.line = where->back().line;
    }
    out.push_back(std::move(f));
  }
  site.frames = std::move(out);
}

}  // namespace fdscope::tool
