// The trigger tests' driver side: this process is not preloaded. It runs the
// test programs (programs/) with libfdscope.so preloaded, chosen
// FDSCOPE_OPTIONS, environment and RLIMIT_NOFILE, captures their stdout and
// stderr, bounds them with a timeout, and reads their dumps.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <condition_variable>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dump_reader.h"
#include "temp_dir.h"

namespace triggers {

// Paths of the built test programs, the shim and the fdscope tool.
std::string program(const std::string& name);
std::string shim_path();
// LD_PRELOAD for a preloaded child: the shim, after the sanitizer runtime
// in a sanitizer build.
std::string preload_value();
std::string tool_path();
std::string node_path();  // empty if Node.js was not found at configure time

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0] is a path
  bool preload = true;
  std::optional<std::string> options;         // FDSCOPE_OPTIONS (unset if nullopt)
  std::map<std::string, std::string> env;     // set (or override) in the child
  std::optional<unsigned long> nofile_soft;   // RLIMIT_NOFILE set before exec
  std::optional<unsigned long> nofile_hard;
  bool drop_to_nobody = false;                // setuid(65534) before exec (when root)
  // Runs in the parent after fork, before the child may exec (the child's pid
  // is already the program's pid).
  std::function<void(pid_t)> before_exec;
};

struct Result {
  pid_t pid = 0;
  bool timed_out = false;
  int status = 0;
  std::string out, err;

  bool exited(int code) const;
  bool killed_by(int sig) const;
  std::string describe() const;  // status and output, for failure messages
};

// A running child: stdin is a pipe (end of file on close_stdin), stdout and
// stderr are drained by a thread so that the child never blocks on them.
class Child {
 public:
  explicit Child(const ChildSpec& spec);
  ~Child();
  pid_t pid() const { return pid_; }
  // Waits until stdout contains `text`; false on timeout or exit.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout);
  void signal(int sig);
  void send(const std::string& text);  // to the child's stdin
  void close_stdin();
  // Waits for the exit, SIGKILLing the child after `timeout`.
  Result finish(std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  void drain();
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string out_text_, err_text_;
  bool eof_ = false;
  bool finished_ = false;
};

// Runs a child to completion (stdin at end of file at once).
Result run(const ChildSpec& spec, std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Lines of a text, without their newlines.
std::vector<std::string> lines(const std::string& text);
// Lines of `text` that contain `needle`.
std::vector<std::string> lines_with(const std::string& text, const std::string& needle);
std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

// JSON objects of a file, one per non-empty line, in order.
std::vector<nlohmann::json> json_lines(const std::string& path);

// The tracked fd entries of a dump whose creating stack names `function`
// (exactly, as a whole function name).
std::vector<const fdscope::test::FdEntry*> created_in(const fdscope::test::Dump& d,
                                                      const std::string& function);
// True if a stack of the dump has a frame whose function is exactly `function`.
bool stack_names(const fdscope::test::Dump& d, uint32_t stack, const std::string& function);

// Checks a dump's internal consistency: complete, header counts equal to the
// fd lines, every referenced stack present, end counts equal to what was read.
void expect_consistent(const fdscope::test::Dump& d);

}  // namespace triggers
