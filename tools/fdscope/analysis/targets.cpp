// SPDX-License-Identifier: MIT
#include "analysis/targets.h"

#include "fdscope_common/targets.h"

namespace fdscope::tool {

std::string normalise_target(const std::string& kind, const std::string& call,
                             const std::string& target) {
  std::string out(target.size() + 8, '\0');
  out.resize(common::normalise_target(kind.c_str(), call.c_str(), target.c_str(), out.data(),
                                      out.size()));
  return out;
}

}  // namespace fdscope::tool
