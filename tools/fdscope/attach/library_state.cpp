// SPDX-License-Identifier: MIT
#include "attach/library_state.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "attach/elf_file.h"
#include "attach/remote_memory.h"
#include "fdscope_attach.h"

namespace fdscope::tool::attach {

std::string path_in(long pid, const std::string& path) {
  std::string p = path;
  const std::string deleted = " (deleted)";
  if (p.size() > deleted.size() && p.compare(p.size() - deleted.size(), deleted.size(), deleted) == 0)
    p.resize(p.size() - deleted.size());
  std::string via_root = fmt::format("/proc/{}/root{}", pid, p);
  return access(via_root.c_str(), R_OK) == 0 ? via_root : p;
}

std::optional<uint64_t> symbol_address(long pid, const MappedFile& file, const std::string& name) {
  if (file.path.empty() || !file.start) return std::nullopt;
  std::string on_disk = path_in(pid, file.path);
  ElfFacts facts;
  if (!read_elf_facts(on_disk, &facts) || !facts.is_64) return std::nullopt;
  auto value = dynamic_symbol(on_disk, name);
  if (!value) return std::nullopt;
  return file.start - facts.first_load_vaddr + *value;
}

LibraryState read_library_state(long pid, const std::vector<Mapping>& maps) {
  LibraryState s;
  s.library = find_mapped(maps, "libfdscope");
  if (s.library.path.empty()) return s;
  auto addr = symbol_address(pid, s.library, "fdscope_attach_info");
  if (!addr) {
    s.problem = fmt::format("{} has no fdscope_attach_info (a library from before attach existed?)",
                            s.library.path);
    return s;
  }
  RemoteMemory mem(pid, false);
  struct fdscope_attach_info info;
  if (!mem.read(*addr, &info, sizeof(info))) {
    s.problem = fmt::format("cannot read its memory: {}", std::strerror(errno));
    return s;
  }
  if (info.magic != FDSCOPE_ATTACH_MAGIC || info.version != FDSCOPE_ATTACH_INFO_VERSION) {
    s.problem = "its libfdscope.so is of another version";
    return s;
  }
  s.known = true;
  s.state = info.state;
  s.patched = info.patched;
  s.options.assign(info.options, strnlen(info.options, sizeof(info.options)));
  return s;
}

bool attached_options(long pid, std::string* options, std::string* why) {
  LibraryState s = read_library_state(pid, read_maps(pid));
  if (s.library.path.empty() || !s.known || s.state == FDSCOPE_STATE_PRELOADED) return true;
  if (s.state == FDSCOPE_STATE_ATTACHED) {
    *options = s.options;
    return true;
  }
  *why = s.state == FDSCOPE_STATE_DETACHED ? "was detached (fdscope detach): it tracks nothing"
                                           : "has libfdscope.so loaded but not attached";
  return false;
}

}  // namespace fdscope::tool::attach
