// SPDX-License-Identifier: MIT
// The language runtimes' part of the core: which runtime this process runs,
// and the language stack recorded with each descriptor (see
// include/fdscope_lang.h for the runtimes' side).
#pragma once

#include <stdint.h>

#include "state/calls.h"

namespace fdscope::lang {

// From the library constructor, after the options are loaded (never from a
// hook: Node.js injection calls setenv, which allocates). With lang=auto,
// recognises Node.js (prepends the preload script to NODE_OPTIONS) and
// CPython (starts the frame reader). Idempotent. `process_starting` false
// (a library attached to a running process): Node.js has read its options
// already, so only the CPython reader can start.
void start(bool process_starting);

// True when language stacks are recorded (lang=auto and the library runs).
bool enabled();

// In a fork child: the runtime integration's capturer is dropped. A forked
// Node.js child cannot run its parent's isolate (libuv's own atfork handler
// opens a pipe in the child before anything else runs); the CPython reader
// only reads memory and goes on.
void after_fork();

// The language stack of the descriptor `fd` that `call` is creating on this
// thread, or 0. Called inside a ShimScope, after the native stack.
uint32_t capture(Call call, int fd);

}  // namespace fdscope::lang
