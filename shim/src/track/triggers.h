// SPDX-License-Identifier: MIT
// When dumps happen: the threshold on the live count, EMFILE/ENFILE on a
// tracked call, the `signal`, and exit. Policy only: the tracker reports
// counts here, lifecycle.cpp calls the start-up and exit parts.
#pragma once

#include <signal.h>

#include "state/calls.h"

namespace fdscope {

// Arms the threshold and installs the dump signal's handler.
void triggers_init();
// Disarms them (fdscope detach): the threshold, the at_exit dump, and the
// dump signal, whose handler is replaced by the action the program
// believes is installed. triggers_init() arms them again.
void triggers_stop();
// At exit (atexit): the at_exit dump, when asked for.
void exit_dump();

// Whether a descriptor created while `open` are open gets its stack
// (option stacks_from).
bool stacks_wanted(long open);

// After a descriptor was created; `open` is the live tracked count.
void after_create(long open);
// After a creating call failed with EMFILE or ENFILE (err); `open` is the
// live tracked count.
void after_create_failed(Call call, int err, long open);
// After a tracked descriptor was closed; `open` is the live count.
void after_close(long open);

// sigaction() on the dump signal: what the interposer should do (the values
// of fdscope_sig_decision in interpose/hooks_api.h).
enum class SigDecision { kPass, kDone, kInstall };
SigDecision filter_sigaction(int sig, const struct sigaction* act, struct sigaction* old);

}  // namespace fdscope
