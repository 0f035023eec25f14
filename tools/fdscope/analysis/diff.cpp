// SPDX-License-Identifier: MIT
#include "analysis/diff.h"

#include <algorithm>
#include <unordered_map>

namespace fdscope::tool {

std::vector<Growth> grown_sites(const SiteReport& before, SiteReport& after, size_t top) {
  std::unordered_map<uint64_t, long> was;
  for (const ReportSite& s : before.sites) was[s.key] = s.count;
  std::vector<Growth> grown;
  for (ReportSite& s : after.sites) {
    auto it = was.find(s.key);
    long n = it == was.end() ? 0 : it->second;
    if (s.count > n) grown.push_back({&s, n, s.count});
  }
  std::stable_sort(grown.begin(), grown.end(),
                   [](const Growth& a, const Growth& b) { return a.growth() > b.growth(); });
  if (grown.size() > top) grown.resize(top);
  return grown;
}

}  // namespace fdscope::tool
