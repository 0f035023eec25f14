// SPDX-License-Identifier: MIT
// The library's life in a process: start-up, fork, exit. The one place
// that knows every module's start-up and after-fork hooks, and calls them
// in order.
#pragma once

namespace fdscope {

// Start-up: options, unwinder, dump output, triggers. Idempotent and cheap
// once done; called by the library constructor and by any hook that runs
// before it. Does nothing in a library loaded late (below) until
// init_with_options() started it.
void ensure_init();
bool initialized();

// The library was loaded into a process that was already running (dlopen,
// by fdscope attach), not preloaded: the constructor marks it so, and
// tracking waits for init_with_options().
void set_loaded_late();
bool loaded_late();

// Start-up as ensure_init(), with the options from `text` instead of
// FDSCOPE_OPTIONS; once done, takes new options (a later attach). For a
// library loaded late.
void init_with_options(const char* text);

// The library constructor's part that may allocate (the language runtimes'
// start: Node.js injection calls setenv). Never from a hook.
void start_runtimes();

// The pid whose table this is (0 before start-up).
int owner_pid();

}  // namespace fdscope
