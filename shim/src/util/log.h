// SPDX-License-Identifier: MIT
// The shim's own messages (bad options, dump summaries, write failures).
#pragma once

namespace fdscope {

// Writes one line to the process's stderr with a raw write: no stdio lock,
// safe in a signal handler, and nothing goes to stdout.
void log_line_stderr(const char* line);

}  // namespace fdscope
