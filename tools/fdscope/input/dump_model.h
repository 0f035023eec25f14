// The tool's in-memory model of dumps (docs/dump-format.md).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fdscope::tool {

struct Frame {
  uint64_t addr = 0;
  int module = -1;  // -1: outside any ELF module (JIT code)
  uint64_t offset = 0;
  std::string function;
};

struct Module {
  std::string path;
  uint64_t base = 0;
  std::string build_id;
};

struct FdRecord {
  int fd = -1;
  std::string kind;
  std::string target;
  bool tracked = false;
  std::string call;
  int64_t time_ms = 0;
  int64_t age_ms = 0;
  int64_t tid = 0;
  std::string thread;
  uint32_t stack = 0;
  uint32_t connect_stack = 0;
};

struct Dump {
  std::string file;  // where it was read from
  int64_t pid = 0;
  int64_t ppid = 0;
  int64_t seq = 0;
  std::string run;
  std::string reason;
  std::string exe;
  std::string host;
  std::string time;
  int64_t time_ms = 0;
  int64_t rlimit_soft = 0;
  int64_t open = 0;
  int64_t tracked = 0;
  bool complete = false;  // the "end" line was seen
  std::map<int, Module> modules;
  std::map<uint32_t, std::vector<Frame>> stacks;
  std::vector<FdRecord> fds;
};

}  // namespace fdscope::tool
