// When dumps happen: the threshold on the live count, EMFILE/ENFILE on a
// tracked call, the `signal`, and exit. Also the fork/exit plumbing.
#pragma once

#include "calls.h"
#include "hooks_api.h"

namespace fdscope {

void triggers_init();

// After a descriptor was created; `open` is the live tracked count.
void after_create(long open);
// After a creating call failed with EMFILE or ENFILE (err).
void after_create_failed(Call call, int err);
// After a tracked descriptor was closed; `open` is the live count.
void after_close(long open);

// sigaction() on the dump signal (see fdscope_signal_filter in hooks_api.h).
fdscope_sig_decision filter_sigaction(int sig, const struct sigaction* act, struct sigaction* old);

}  // namespace fdscope
