// SPDX-License-Identifier: MIT
#include "attach/target_checks.h"

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "attach/elf_file.h"
#include "fdscope_attach.h"

namespace fdscope::tool::attach {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A "Key:\tvalue..." line of /proc/PID/status.
std::string status_field(const std::string& status, const std::string& key) {
  size_t at = status.find("\n" + key + ":");
  if (at == std::string::npos) return "";
  at += key.size() + 2;
  size_t end = status.find('\n', at);
  std::string v = status.substr(at, end == std::string::npos ? std::string::npos : end - at);
  size_t first = v.find_first_not_of(" \t");
  return first == std::string::npos ? "" : v.substr(first);
}

bool has_cap_sys_ptrace() {
  std::string caps = status_field("\n" + read_text("/proc/self/status"), "CapEff");
  unsigned long long v = std::strtoull(caps.c_str(), nullptr, 16);
  return v & (1ull << 19);  // CAP_SYS_PTRACE
}

long parent_of(long pid) {
  std::string stat = read_text(fmt::format("/proc/{}/stat", pid));
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream rest(stat.substr(paren + 2));
  std::string state;
  long ppid = 0;
  rest >> state >> ppid;
  return ppid;
}

bool is_descendant_of_us(long pid) {
  long self = getpid();
  for (int depth = 0; pid > 1 && depth < 256; ++depth) {
    pid = parent_of(pid);
    if (pid == self) return true;
  }
  return false;
}

std::string name_of(long pid) {
  std::string comm = read_text(fmt::format("/proc/{}/comm", pid));
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

// The checks that come before reading the process: it exists, and this
// user may trace it.
std::string check_access(long pid, Target* t) {
  const std::string status = "\n" + read_text(fmt::format("/proc/{}/status", pid));
  if (status.size() <= 1) return "no such process";
  t->pid = pid;
  t->name = name_of(pid);
  const bool privileged = has_cap_sys_ptrace();
  std::istringstream uids(status_field(status, "Uid"));
  long real = -1, effective = -1, saved = -1;
  uids >> real >> effective >> saved;
  long me = (long)getuid();
  if (!privileged && (real != me || effective != me || saved != me))
    return fmt::format("it runs as user {} and fdscope as user {}: only root (CAP_SYS_PTRACE) may "
                       "trace another user's process", effective, me);
  std::string scope = read_text("/proc/sys/kernel/yama/ptrace_scope");
  int yama = scope.empty() ? 0 : std::atoi(scope.c_str());
  if (yama >= 3) return "ptrace is disabled on this system (kernel.yama.ptrace_scope=3)";
  if (yama == 2 && !privileged)
    return "kernel.yama.ptrace_scope=2 lets only root (CAP_SYS_PTRACE) trace processes";
  if (yama == 1 && !privileged && !is_descendant_of_us(pid))
    return "kernel.yama.ptrace_scope=1 lets a user trace only its own child processes; run "
           "fdscope as root, or set kernel.yama.ptrace_scope=0";
  long tracer = std::atol(status_field(status, "TracerPid").c_str());
  if (tracer != 0)
    return fmt::format("it is traced already, by process {} ({}): a debugger or strace? detach "
                       "that first", tracer, name_of(tracer));
  std::string state = status_field(status, "State");
  if (!state.empty() && (state[0] == 'T' || state[0] == 't'))
    return fmt::format("it is stopped; continue it first (kill -CONT {})", pid);
  if (!state.empty() && (state[0] == 'Z' || state[0] == 'X')) return "it has exited (a zombie)";
  return "";
}

// The process's program: x86_64, dynamically linked with glibc.
std::string check_program(long pid, Target* t) {
  ElfFacts exe;
  if (!read_elf_facts(fmt::format("/proc/{}/exe", pid), &exe))
    return fmt::format("cannot read its program (/proc/{}/exe): {}", pid, std::strerror(errno));
  if (!exe.is_elf) return "its program is not an ELF file";
#if defined(__x86_64__)
  if (exe.machine != EM_X86_64 || !exe.is_64)
    return fmt::format("it is an {} program; fdscope attach supports x86_64 processes only",
                       machine_name(exe.machine, exe.is_64));
#else
  (void)exe;
  return "fdscope attach is implemented for x86_64 only";
#endif
  t->maps = read_maps(pid);
  if (t->maps.empty())
    return fmt::format("cannot read its memory map: {}", std::strerror(errno ? errno : EACCES));
  t->libc = find_mapped(t->maps, "libc.so.");
  if (t->libc.path.empty()) {
    if (!exe.has_interp)
      return "it is statically linked: there is no dynamic linker in it to load libfdscope.so";
    return "it does not use glibc (no libc.so.6 in its memory map)";
  }
  return "";
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa{}, sb{};
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

}  // namespace

std::string check_attach(long pid, const std::string& library, Target* t) {
  if (std::string why = check_access(pid, t); !why.empty()) return why;
  if (std::string why = check_program(pid, t); !why.empty()) return why;
  t->library = read_library_state(pid, t->maps);
  const LibraryState& lib = t->library;
  if (!lib.library.path.empty()) {
    if (!lib.known) return "libfdscope.so is in it, but its state cannot be read: " + lib.problem;
    if (lib.state == FDSCOPE_STATE_PRELOADED)
      return fmt::format("libfdscope.so is preloaded in it: it is tracked already (fdscope "
                         "snapshot {} asks it for a dump)", pid);
    if (lib.state == FDSCOPE_STATE_ATTACHED)
      return fmt::format("fdscope is attached to it already (fdscope detach {} first)", pid);
    return "";  // loaded before, not attached now: attached again
  }
  if (!same_file(fmt::format("/proc/{}/root{}", pid, library), library))
    return fmt::format("{} is not at the same path in its file system (another mount "
                       "namespace, a container?)", library);
  return "";
}

std::string check_detach(long pid, Target* t) {
  if (std::string why = check_access(pid, t); !why.empty()) return why;
  if (std::string why = check_program(pid, t); !why.empty()) return why;
  t->library = read_library_state(pid, t->maps);
  const LibraryState& lib = t->library;
  if (lib.library.path.empty()) return "fdscope is not attached to it (no libfdscope.so in it)";
  if (!lib.known) return "libfdscope.so is in it, but its state cannot be read: " + lib.problem;
  if (lib.state == FDSCOPE_STATE_PRELOADED)
    return "its libfdscope.so is preloaded, not attached: there is nothing to detach";
  if (lib.state != FDSCOPE_STATE_ATTACHED)
    return "fdscope is not attached to it (detached already)";
  return "";
}

}  // namespace fdscope::tool::attach
