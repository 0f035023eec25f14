// The html report's data (the sites shown, the chart's points, the flame
// graph's stacks) and JSON that cannot end the <script> element it sits in.
#include <gtest/gtest.h>

#include "analysis/sites.h"
#include "analysis/timeline.h"
#include "output/html.h"

namespace fdscope::tool {
namespace {

// A dump of process `pid` at `time_ms` with `a` descriptors from stack 1
// (app+0x10), `b` from stack 2 (app+0x20) and one untracked.
Dump dump(int64_t pid, int64_t seq, int64_t time_ms, int a, int b, bool complete = true) {
  Dump d;
  d.pid = pid;
  d.run = "run" + std::to_string(pid);
  d.seq = seq;
  d.time_ms = time_ms;
  d.reason = complete && a + b > 0 ? "signal" : "exit";
  d.complete = complete;
  d.modules[0] = DumpModule{"/srv/app", 0x1000, "ab"};
  for (uint32_t s = 1; s <= 2; ++s) {
    DumpFrame f;
    f.module = 0;
    f.offset = 0x10 * s;
    f.function = s == 1 ? "leak_a" : "leak_b";
    d.stacks[s] = {f};
  }
  auto add = [&](uint32_t stack, int n) {
    for (int i = 0; i < n; ++i) {
      DumpFd fd;
      fd.fd = (int)d.fds.size() + 3;
      fd.kind = "file";
      fd.tracked = true;
      fd.stack = stack;
      d.fds.push_back(fd);
    }
  };
  add(1, a);
  add(2, b);
  DumpFd untracked;
  untracked.fd = 0;
  d.fds.push_back(untracked);
  return d;
}

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
