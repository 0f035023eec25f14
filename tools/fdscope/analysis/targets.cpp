// SPDX-License-Identifier: MIT
#include "analysis/targets.h"

namespace fdscope::tool {

std::string normalise_target(const std::string& kind, const std::string& call,
                             const std::string& target) {
  if (kind != "socket") return target;
  size_t arrow = target.find(" -> ");
  size_t space = target.find(' ');
  if (arrow == std::string::npos || space == std::string::npos || space >= arrow) return target;
  if (call == "accept" || call == "accept4") {
    std::string peer = target.substr(arrow + 4);
    size_t colon = peer.rfind(':');
    size_t suffix = peer.find(' ');  // " (not connected)"
    if (colon != std::string::npos && (suffix == std::string::npos || colon < suffix))
      peer = peer.substr(0, colon) + (suffix == std::string::npos ? "" : peer.substr(suffix));
    return target.substr(0, arrow) + " <- " + peer;
  }
  return target.substr(0, space) + target.substr(arrow);
}

}  // namespace fdscope::tool
