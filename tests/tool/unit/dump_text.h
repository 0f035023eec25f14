// Hand-written dumps for the unit tests: JSON Lines built from parts, and
// written to a temporary file the reader can read.
#pragma once

#include <string>
#include <vector>

#include "input/dump_model.h"

namespace fdscope::tool::testing {

// A line of dump (pid 7, run "r", seq `seq`) of `type` with `fields`
// (JSON members without braces, e.g. "\"id\":1").
std::string line(const std::string& type, const std::string& fields, int seq = 1);
std::string header(int format = 2, int seq = 1);
std::string end(int fds, int stacks, int seq = 1);

// Writes text to a fresh file under the test's temporary directory.
std::string write_temp(const std::string& name, const std::string& text);

// Reads text as a dump file; expects exactly one dump and no problems.
Dump read_one(const std::string& text);

}  // namespace fdscope::tool::testing
