// SPDX-License-Identifier: MIT
// What a descriptor points at, as call sites group it: sockets by their
// stable end, since the other end's port differs per connection. Used by
// the dump summary and the tool's reports alike.
#pragma once

#include <stddef.h>

namespace fdscope::common {

// A connection the program opened: "tcp 127.0.0.1:52312 -> 10.0.0.5:3306"
// -> "tcp -> 10.0.0.5:3306". One it accepted (call accept/accept4):
// "tcp 10.0.0.9:8080 -> 10.0.0.7:41234" -> "tcp 10.0.0.9:8080 <- 10.0.0.7".
// Anything else is copied as it is. Writes into out (always NUL-terminated,
// cut at cap - 1 bytes); returns the length written.
size_t normalise_target(const char* kind, const char* call, const char* target, char* out,
                        size_t cap);

}  // namespace fdscope::common
