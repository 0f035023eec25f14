// diff's growth: sites that grew or are new, largest growth first; sites
// that stayed, shrank or fell to zero are not growth.
#include <gtest/gtest.h>

#include "analysis/diff.h"

namespace fdscope::tool {
namespace {

SiteReport report(std::vector<std::pair<uint64_t, long>> sites) {
  SiteReport r;
  for (auto [key, count] : sites) {
    ReportSite s;
    s.key = key;
    s.count = count;
    r.sites.push_back(s);
  }
  return r;
}

TEST(GrownSites, GrowthOnlyLargestFirst) {
  SiteReport before = report({{1, 5}, {2, 1}, {3, 4}, {4, 2}});
  SiteReport after = report({{1, 20}, {2, 4}, {3, 4}, {5, 6}});  // 4 fell to zero
  std::vector<Growth> g = grown_sites(before, after, 10);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].site->key, 1u);
  EXPECT_EQ(g[0].before, 5);
  EXPECT_EQ(g[0].after, 20);
  EXPECT_EQ(g[1].site->key, 5u);  // new: from 0
  EXPECT_EQ(g[1].before, 0);
  EXPECT_EQ(g[2].site->key, 2u);
  EXPECT_EQ(g[2].growth(), 3);
}

TEST(GrownSites, ShrunkAndVanishedSitesAreNotListed) {
  SiteReport before = report({{1, 5}, {2, 3}});
  SiteReport after = report({{1, 2}});
  EXPECT_TRUE(grown_sites(before, after, 10).empty());
}

TEST(GrownSites, AtMostTop) {
  SiteReport before = report({});
  SiteReport after = report({{1, 3}, {2, 2}, {3, 1}});
  std::vector<Growth> g = grown_sites(before, after, 2);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[1].site->key, 2u);
}

}  // namespace
}  // namespace fdscope::tool
