// SPDX-License-Identifier: MIT
#include "attach/safe_point.h"

#include <signal.h>
#include <sys/syscall.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>

namespace fdscope::tool::attach {
namespace {

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool is_loader(const std::string& name) { return starts_with(name, "ld-linux") || starts_with(name, "ld-2."); }

bool is_c_library(const std::string& name) {
  return starts_with(name, "libc.so") || starts_with(name, "libc-2.") ||
         starts_with(name, "libpthread") || starts_with(name, "libdl.") ||
         starts_with(name, "libfdscope");
}

// System calls that malloc makes while it holds an arena's lock.
bool is_allocator_call(long nr) {
  return nr == SYS_mmap || nr == SYS_munmap || nr == SYS_mremap || nr == SYS_brk ||
         nr == SYS_mprotect || nr == SYS_madvise;
}

// A vfork()ing thread's child runs on its stack until it execs: nothing
// may be written below its stack pointer. A clone under way is a moment.
bool is_process_creation(long nr) {
  return nr == SYS_vfork || nr == SYS_clone || nr == SYS_fork || nr == SYS_clone3;
}

// A signal mask line of /proc/PID/task/TID/status ("SigBlk:\t0000..."), as bits.
unsigned long long mask_field(long pid, int tid, const std::string& key) {
  std::ifstream in(fmt::format("/proc/{}/task/{}/status", pid, tid));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::strtoull(line.c_str() + key.size() + 1, nullptr, 16);
  return 0;
}

}  // namespace

bool trap_signal_masked(long pid, int tid) {
  const unsigned long long bit = 1ull << (SIGSEGV - 1);
  return (mask_field(pid, tid, "SigBlk") & bit) || (mask_field(pid, tid, "SigIgn") & bit);
}

std::string unsafe_reason(const user_regs_struct& regs, const std::vector<Mapping>& maps) {
  std::string name = base_name(file_at(maps, regs.rip));
  long nr = (long)regs.orig_rax;
  bool in_syscall = nr >= 0;
  if (is_loader(name)) return "in the dynamic linker";
  if (in_syscall && is_process_creation(nr)) return fmt::format("in system call {} (a fork)", nr);
  if (!is_c_library(name)) return "";
  if (!in_syscall) return fmt::format("running in {}", name);
  if (is_allocator_call(nr)) return fmt::format("in system call {} from {}", nr, name);
  return "";
}

}  // namespace fdscope::tool::attach
