// SPDX-License-Identifier: MIT
// The library's life in a process: start-up, fork, exit. The one place
// that knows every module's start-up and after-fork hooks, and calls them
// in order.
#pragma once

namespace fdscope {

// Start-up: options, unwinder, dump output, triggers. Idempotent and cheap
// once done; called by the library constructor and by any hook that runs
// before it.
void ensure_init();
bool initialized();

// The library constructor's part that may allocate (the language runtimes'
// start: Node.js injection calls setenv). Never from a hook.
void start_runtimes();

// The pid whose table this is (0 before start-up).
int owner_pid();

}  // namespace fdscope
