// SPDX-License-Identifier: MIT
// The process's capturer: what the library calls, on the creating thread,
// for every descriptor it records.
#pragma once

#include "fdscope_lang.h"

namespace fdscope_node {

uint32_t capture_for_descriptor(enum fdscope_lang_call call, int fd);

// Turns the capturer off in fork children (before it is installed).
void install_fork_guard();

}  // namespace fdscope_node
