// SPDX-License-Identifier: MIT
// What `fdscope run` does around the program: finds the library, makes the
// directory the dumps go to, builds the program's environment, runs it,
// and collects what it left.
#pragma once

#include <string>
#include <vector>

namespace fdscope::tool {

// libfdscope.so: $FDSCOPE_LIBRARY, else ../lib/libfdscope.so next to this
// binary (the build tree, an install prefix and a Lambda layer alike).
std::string find_library();

// Makes a fresh $TMPDIR/fdscope-run.XXXXXX into *dir; false (errno set,
// *dir the template) when it cannot.
bool make_run_directory(std::string* dir);

struct ChildSetup {
  std::string library;                     // absolute path
  std::string dump_dir;                    // from make_run_directory
  std::vector<std::string> extra_options;  // -o, in order
  bool js = false;                         // --js: Node.js perf maps
};

// This process's environment with the library preloaded (ahead of any
// LD_PRELOAD), FDSCOPE_OPTIONS = run's defaults, then the user's
// FDSCOPE_OPTIONS, then -o (later wins), and with --js NODE_OPTIONS for
// perf maps.
std::vector<std::string> child_environment(const ChildSetup& setup);

// Runs argv with env, like system() (^C goes to the program); returns the
// wait status, or -1 (and says why on stderr).
int spawn_and_wait(char** argv, std::vector<std::string>& env);

// The dump files in dir, sorted.
std::vector<std::string> dump_files(const std::string& dir);

// Moves the perf maps of the processes that dumped next to their dumps
// (fdscope.PID.jsonl -> perf-PID.map), where `fdscope report` looks later.
void keep_perf_maps(const std::vector<std::string>& files, const std::string& dir);

}  // namespace fdscope::tool
