// SPDX-License-Identifier: MIT
// Where a dump goes: the `output` option expanded (%p pid, %t unix time),
// created safely in a shared directory, one file per process.
#pragma once

#include "state/options.h"

namespace fdscope {

// Captures what output_open needs from the environment ($TMPDIR); called at
// start-up, since the environment may change later.
void output_init();

// Where output_open put a dump.
struct OutputTarget {
  bool close_after = true;  // false for stderr
  char path[kPathMax] = "";  // the file (its name even when it failed)
  // When the configured file was refused (EACCES, EPERM, EROFS: typically
  // a worker that dropped privileges after start-up) and the dump went to
  // the fallback instead: the refused name and its -errno; else "" and 0.
  char refused[kPathMax] = "";
  int refused_error = 0;
};

// Opens the dump destination. Returns an fd (>= 0), or -errno. The first dump of
// a process creates its file: mode 0600, never following a symlink, never
// reusing a file that exists (pid reuse, or an attacker in /tmp): then
// ".1", ".2"... is appended. Later dumps append to the same file. A refused
// file falls back to fdscope.PID.jsonl in $TMPDIR, then /tmp, created the
// same way: a process that can no longer write where it was told still
// leaves its dump somewhere private to it, and says where.
int output_open(const char* override_path, OutputTarget* t);

// A forked child writes its own file.
void output_after_fork();
// So does a later attach (fdscope attach after a detach): its options may
// name another file.
void output_restart();

}  // namespace fdscope
