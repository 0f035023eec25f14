// When dumps happen: the threshold on the live count, EMFILE/ENFILE on a
// tracked call, the `signal`, and exit. Also the fork/exit plumbing.
#pragma once

#include "calls.h"

namespace fdscope {

void triggers_init();

// After a descriptor was created; `open` is the live tracked count.
void after_create(long open);
// After a creating call failed with EMFILE or ENFILE (err).
void after_create_failed(Call call, int err);

}  // namespace fdscope
