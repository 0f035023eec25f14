// SPDX-License-Identifier: MIT
// Reads the state a process under the library publishes about itself
// (common/process_state.h): whether the library still owns the dump signal,
// where its latest dump went.
#pragma once

#include <optional>
#include <string>

namespace fdscope::tool {

struct ProcessState {
  long pid = 0;
  int signal = 0;
  std::string signal_owner;  // library, program, none
  std::string output;        // the `output` option ("" for the default)
  std::string options;
  unsigned long dumps = 0, last_seq = 0;
  std::string last_reason, last_path;
  int last_error = 0;
};

// The state of process pid, or nullopt when it publishes none (no library,
// its descriptors closed by the program, memfd_create refused) or it
// cannot be read; *why then says which, in a few words.
std::optional<ProcessState> read_process_state(long pid, std::string* why);

// Parses the published text; nullopt when it is not a whole state (read
// mid-write, cut short, another version). Exposed for the unit tests.
std::optional<ProcessState> parse_process_state(const std::string& text);

}  // namespace fdscope::tool
