// The html report's data (the sites shown, the chart's points, the flame
// graph's stacks) and JSON that cannot end the <script> element it sits in.
#include <gtest/gtest.h>

#include "analysis/sites.h"
#include "analysis/timeline.h"
#include "two_site_dump.h"
#include "output/html.h"

namespace fdscope::tool {
namespace {

using testing::dump;

TEST(HtmlData, ScriptSafeJsonHasNoMarkupCharacters) {
  Json j = {{"target", "</script><b>&amp;<!--"}};
  std::string text = script_safe_json(j);
  EXPECT_EQ(text.find('<'), std::string::npos);
  EXPECT_EQ(text.find('>'), std::string::npos);
  EXPECT_EQ(text.find('&'), std::string::npos);
  EXPECT_EQ(Json::parse(text)["target"], "</script><b>&amp;<!--");
}

TEST(HtmlData, ChartsTheTopSitesAndFlamesAll) {
  std::vector<Dump> dumps = {dump(7, 1, 1000, 1, 2), dump(7, 2, 1500, 3, 2)};
  SiteReport r = group_sites({&dumps[1]});
  ASSERT_EQ(r.sites.size(), 2u);
  Timeline t = make_timeline({&dumps[0], &dumps[1]}, {r.sites[0].key});
  Json j = html_data(r, &t, 1);
  ASSERT_EQ(j["sites"].size(), 1u);
  EXPECT_EQ(j["sites"][0]["function"], "leak_a");
  EXPECT_EQ(j["sites"][0]["count"], 3);
  EXPECT_EQ(j["rest"]["sites"], 1);
  EXPECT_EQ(j["rest"]["descriptors"], 2);
  ASSERT_EQ(j["timeline"]["points"].size(), 2u);
  EXPECT_EQ(j["timeline"]["points"][0]["t"], 0);
  EXPECT_EQ(j["timeline"]["points"][1]["t"], 500);
  EXPECT_EQ(j["timeline"]["points"][1]["counts"], Json::array({3}));
  ASSERT_EQ(j["flame"].size(), 2u);
  EXPECT_EQ(j["flame"][1]["stack"], Json::array({"leak_b"}));
  EXPECT_EQ(j["flame"][1]["count"], 2);
  EXPECT_TRUE(html_data(r, nullptr, 10)["timeline"].is_null());
}

}  // namespace
}  // namespace fdscope::tool
