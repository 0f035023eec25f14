// SPDX-License-Identifier: MIT
// Loading dump files and choosing which dumps a command looks at.
#pragma once

#include <functional>
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

// Reads the files on every core and hands each to take(index, file) on the
// calling thread in argument order, as soon as it and the files before it
// are read, after printing its problems as load_dump_files does (so a
// caller can be done with a file, and let it go, while later ones are
// read). Returns whether some input could not be read.
bool read_files_in_order(const std::vector<std::string>& paths, const char* who,
                         const std::function<void(size_t, ReadResult&)>& take);

enum class Pick {
  kLast,   // the last dump of each process in each file (a complete one when there is)
  kFirst,  // the first dump of each process in each file
  kEvery,  // every dump
};
std::vector<const Dump*> select_dumps(const LoadedDumps& loaded, Pick pick);
// The same for the dumps of one file (selection is file by file).
std::vector<const Dump*> select_dumps(const ReadResult& file, Pick pick);

// The last dump of each process in each file (a complete one when there is).
std::vector<const Dump*> last_dump_per_process(const LoadedDumps& loaded);
// The first dump of each process in each file.
std::vector<const Dump*> first_dump_per_process(const LoadedDumps& loaded);
std::vector<const Dump*> every_dump(const LoadedDumps& loaded);

}  // namespace fdscope::tool
