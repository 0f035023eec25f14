// SPDX-License-Identifier: MIT
#pragma once

#include <stdint.h>

namespace fdscope {

// "2026-11-28T22:23:43.123Z" into out (at least 25 bytes), from unix ns.
// Hand-rolled because gmtime_r is not on the async-signal-safe list.
void format_utc_iso8601(uint64_t unix_ns, char* out);

}  // namespace fdscope
