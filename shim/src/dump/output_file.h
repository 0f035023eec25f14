// SPDX-License-Identifier: MIT
// Where a dump goes: the `output` option expanded (%p pid, %t unix time),
// created safely in a shared directory, one file per process.
#pragma once

#include "state/options.h"

namespace fdscope {

// Captures what output_open needs from the environment ($TMPDIR); called at
// start-up, since the environment may change later.
void output_init();

// Opens the dump destination. Returns an fd (>= 0), or -errno. *close_after
// says whether the caller must close it (false for stderr). The first dump of
// a process creates its file: mode 0600, never following a symlink, never
// reusing a file that exists (pid reuse, or an attacker in /tmp): then
// ".1", ".2"... is appended. Later dumps append to the same file.
int output_open(const char* override_path, bool* close_after, char* path_out, unsigned cap);

// A forked child writes its own file.
void output_after_fork();
// So does a later attach (fdscope attach after a detach): its options may
// name another file.
void output_restart();

}  // namespace fdscope
