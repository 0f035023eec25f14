// SPDX-License-Identifier: MIT
// Where a running process under the library writes its signal dumps: read
// from /proc/PID (its FDSCOPE_OPTIONS, parsed by the library's own parser;
// its TMPDIR and working directory), and the dump file names by the
// library's naming rules (common/output_name.h).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace fdscope::tool {

struct SnapshotTarget {
  long pid = 0;
  int signal = 0;
  std::string dir;            // the directory the dump file is in
  std::string name_template;  // the file name's template (%p, %t) in dir
};

// Whether process pid has libfdscope.so mapped; says why not on stderr.
bool library_loaded(long pid);

// Fills *t for process pid; on failure says why on stderr and returns
// false. `to_stderr` is set when the process writes dumps to its stderr
// (the caller may still signal it).
bool find_snapshot_target(long pid, SnapshotTarget* t, bool* to_stderr);

// The files in t.dir that are, or could be, the process's dump file (its
// name with any time for %t, and the ".N" suffixes), with their sizes.
std::map<std::string, off_t> dump_file_sizes(const SnapshotTarget& t);

}  // namespace fdscope::tool
