// SPDX-License-Identifier: MIT
// Loading dump files and choosing which dumps a command looks at.
#pragma once

#include <string>
#include <vector>

#include "input/dump_reader.h"

namespace fdscope::tool {

struct LoadedDumps {
  std::vector<ReadResult> files;  // one per file, in argument order
  bool problems = false;          // some input could not be read (reported)
};

// Reads every file; prints each problem as one line on stderr, prefixed by
// `who` ("fdscope report").
LoadedDumps load_dump_files(const std::vector<std::string>& paths, const char* who);

enum class Pick {
  kLast,   // the last dump of each process in each file (a complete one when there is)
  kFirst,  // the first dump of each process in each file
  kEvery,  // every dump
};
std::vector<const Dump*> select_dumps(const LoadedDumps& loaded, Pick pick);

// The last dump of each process in each file (a complete one when there is).
std::vector<const Dump*> last_dump_per_process(const LoadedDumps& loaded);
// The first dump of each process in each file.
std::vector<const Dump*> first_dump_per_process(const LoadedDumps& loaded);
std::vector<const Dump*> every_dump(const LoadedDumps& loaded);

}  // namespace fdscope::tool
