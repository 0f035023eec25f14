// SPDX-License-Identifier: MIT
// What a descriptor points at, as grouped within a site.
#pragma once

#include <string>

namespace fdscope::tool {

// Sockets are grouped by their stable end (common/targets.h, the rule the
// dump summary applies too).
std::string normalise_target(const std::string& kind, const std::string& call,
                             const std::string& target);

}  // namespace fdscope::tool
