// The tests' reader of fdscope dumps (JSON Lines, docs/dump-format.md),
// built on nlohmann::json: independent of the shim's writer and of the
// tool's reader, so a test checks the format itself.
#pragma once

#include <cstdint>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace fdscope::test {

struct Frame {
  uint64_t addr = 0;
  int module = -1;
  uint64_t offset = 0;
  std::string function;  // empty if unresolved
  // Language frames (format 2): "js" or "python"; empty for native frames.
  std::string lang;
  std::string file;
  int line = 0;
  int column = 0;
  bool async = false;  // first frame of the code that scheduled the work
};

struct Module {
  std::string path;
  uint64_t base = 0;
  std::string build_id;
};

struct FdEntry {
  int fd = -1;
  std::string kind;
  std::string target;
  bool tracked = false;
  // Tracked descriptors only:
  std::string call;
  int flags = 0;
  int64_t time_ms = 0;
  int64_t age_ms = 0;
  int64_t tid = 0;
  std::string thread;
  uint32_t stack = 0;
  uint32_t connect_stack = 0;
  uint32_t lang_stack = 0;
};

struct Dump {
  nlohmann::json header;
  nlohmann::json end;       // null if the dump was cut short
  bool complete = false;    // header ... end, all with the same identity
  int64_t pid = 0;
  int64_t seq = 0;
  std::string run;
  std::string reason;
  std::map<int, Module> modules;
  std::map<uint32_t, std::vector<Frame>> stacks;
  std::vector<FdEntry> fds;

  const FdEntry* find(int fd) const;
  std::vector<const FdEntry*> tracked() const;
  // Frames of a stack id (empty if unknown).
  const std::vector<Frame>& frames(uint32_t stack) const;
  // True if any frame of the stack has a function name containing `needle`.
  bool stack_has(uint32_t stack, std::string_view needle) const;
  // "fn1 < fn2 < ..." for failure messages.
  std::string describe_stack(uint32_t stack) const;
};

// Parses every dump in a JSON Lines stream. Lines that are not JSON objects
// with a "type" are errors (std::runtime_error naming the line), unless
// `skip_foreign` (log streams mixing other output).
std::vector<Dump> parse_dumps(std::istream& in, bool skip_foreign = false);
std::vector<Dump> read_dump_file(const std::string& path, bool skip_foreign = false);

// True when libfdscope.so is loaded into this process.
bool shim_loaded();

// Asks the shim in this process for a dump (fdscope_dump) into a fresh
// file and parses it. Fails the calling test if the shim is not loaded.
Dump dump_now();

// The shim's own descriptors (fdscope_own_fds); empty without the shim.
std::vector<int> shim_own_fds();

// Descriptors in /proc/self/fd, for comparing dumps with reality.
std::vector<int> open_fds();

}  // namespace fdscope::test
