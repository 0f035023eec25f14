// SPDX-License-Identifier: MIT
// Reads dump files (formats 1 and 2): JSON Lines, one dump after another,
// possibly interleaved with other output (log exports): lines are matched
// to their dump by identity (pid, run, seq). Problems are reported, never
// fatal.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "input/dump_model.h"

namespace fdscope::tool {

struct ReadProblem {
  std::string file;
  long line = 0;  // 0: the file as a whole
  std::string message;
};

struct ReadResult {
  std::vector<Dump> dumps;  // in the order their headers appear
  std::vector<ReadProblem> problems;
};

// Reads one file. Dumps cut short (no "end" line) are returned with
// complete == false and a problem noted.
ReadResult read_dumps(const std::string& path);

// The same for text already in memory (a copy is made, padded for the
// parser); problems name the text `name`. For tests and the fuzzer.
ReadResult read_dumps_text(const std::string& name, std::string_view text);

}  // namespace fdscope::tool
