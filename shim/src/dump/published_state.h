// SPDX-License-Identifier: MIT
// The state this process publishes for `fdscope snapshot` and attach: the
// options in effect, whether the library still owns the dump signal, and
// where the latest dump went (format: common/process_state.h). It lives in
// the reserve descriptor (platform/reserve_fd.h), so it costs the host no
// descriptor of its own. Every function is async-signal-safe.
#pragma once

#include "dump/dump.h"

namespace fdscope {

// Rewrites the whole state into the reserve; a no-op when the reserve is
// not a memfd. Concurrent callers never block: one writes, the others
// leave it a note to write once more.
void state_publish();

// After a dump: records it, then publishes. error is 0 or -errno.
void state_dump_written(unsigned seq, Reason reason, const char* path, int error);

// Who takes the dump signal (track/triggers.h sets it): "library", the
// library's handler; "program", the program installed its own handler or
// SIG_IGN since; "none", signal dumps off or the disposition was not the
// default at start-up. A static string.
void state_set_signal_owner(const char* owner);

// In a fork child (after reserve_after_fork): a state of its own, with no
// dumps yet.
void state_after_fork();

}  // namespace fdscope
