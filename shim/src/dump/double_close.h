// SPDX-License-Identifier: MIT
// Reporting a double close: close() failed with EBADF on a descriptor the
// library saw closed and not reopened. In a threaded program the second
// close would have closed someone else's descriptor had the number been
// reused in between, so both stacks matter: where it was closed first, and
// where again (as valgrind 3.23 and Android's fdsan report it).
#pragma once

#include <stdint.h>

#include "state/fd_table.h"

namespace fdscope {

// `rec`: the closed record (creating and first-closing stack);
// `second_stack`/`second_tid`: the failing close. Writes a "double_close"
// line to the dump output and a readable account to the `log`.
// Async-signal-safe.
// Like valgrind's errors, each context (creating stack, second close stack)
// is reported once, or twice when the first report had only the first
// close's caller (the second then has its whole stack); later double
// closes of a context are counted.
void report_double_close(int fd, const FdRecord& rec, uint32_t second_stack, int second_tid);

// At exit: one log line with the double closes counted but not reported,
// if any.
void double_close_summary();

// A fork child counts its own (it knows the contexts its parent reported).
void double_close_after_fork();

}  // namespace fdscope
