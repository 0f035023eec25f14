// SPDX-License-Identifier: MIT
// What a descriptor points at, as grouped within a site.
#pragma once

#include <string>

namespace fdscope::tool {

// Sockets are grouped by their stable end. A connection the program opened:
// "tcp 127.0.0.1:52312 -> 10.0.0.5:3306" -> "tcp -> 10.0.0.5:3306" (the
// local port differs per connection). One it accepted (call accept/accept4):
// "tcp 10.0.0.9:8080 -> 10.0.0.7:41234" -> "tcp 10.0.0.9:8080 <- 10.0.0.7"
// (the client's port differs).
std::string normalise_target(const std::string& kind, const std::string& call,
                             const std::string& target);

}  // namespace fdscope::tool
