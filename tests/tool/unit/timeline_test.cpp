// The counts of sites over every dump that the html report charts: one
// point per dump, the sum of each process's latest dump.
#include <gtest/gtest.h>

#include "analysis/sites.h"
#include "analysis/timeline.h"
#include "two_site_dump.h"

namespace fdscope::tool {
namespace {

using testing::dump;

uint64_t key(const Dump& d, uint32_t stack) {
  for (const DumpFd& fd : d.fds)
    if (fd.stack == stack) return site_key_of(d, fd);
  return 0;
}

TEST(Timeline, OneProcessIsItsCountsPerDump) {
  std::vector<Dump> dumps = {dump(7, 1, 1000, 1, 2), dump(7, 2, 1500, 3, 2), dump(7, 3, 2000, 5, 0)};
  uint64_t a = key(dumps[0], 1), b = key(dumps[0], 2);
  Timeline t = make_timeline({&dumps[0], &dumps[1], &dumps[2]}, {a, b});
  ASSERT_EQ(t.points.size(), 3u);
  EXPECT_EQ(t.processes, 1);
  EXPECT_EQ(t.points[0].counts, (std::vector<long>{1, 2}));
  EXPECT_EQ(t.points[1].counts, (std::vector<long>{3, 2}));
  EXPECT_EQ(t.points[2].counts, (std::vector<long>{5, 0}));
  EXPECT_EQ(t.points[2].tracked, 5);  // the untracked descriptor is not counted
  EXPECT_EQ(t.points[1].time_ms, 1500);
  EXPECT_EQ(t.points[1].seq, 2);
}

TEST(Timeline, ProcessesAddUpTheirLatestDumpsInTimeOrder) {
  // Process 7 dumps at 1000 and 3000, process 8 at 2000 and 4000.
  std::vector<Dump> dumps = {dump(7, 1, 1000, 1, 0), dump(7, 2, 3000, 4, 0), dump(8, 1, 2000, 2, 1),
                             dump(8, 2, 4000, 3, 1)};
  uint64_t a = key(dumps[0], 1);
  Timeline t = make_timeline({&dumps[0], &dumps[1], &dumps[2], &dumps[3]}, {a});
  ASSERT_EQ(t.points.size(), 4u);
  EXPECT_EQ(t.processes, 2);
  std::vector<long> got;
  std::vector<int64_t> pids;
  for (const TimelinePoint& p : t.points) {
    got.push_back(p.counts[0]);
    pids.push_back(p.pid);
  }
  EXPECT_EQ(got, (std::vector<long>{1, 3, 6, 7}));  // 1; 1+2; 4+2; 4+3
  EXPECT_EQ(pids, (std::vector<int64_t>{7, 8, 7, 8}));
  EXPECT_EQ(t.points[3].tracked, 8);  // 4 + (3 + 1)
}

TEST(Timeline, TruncatedDumpsAndUnchartedSitesAreLeftOut) {
  std::vector<Dump> dumps = {dump(7, 1, 1000, 2, 5), dump(7, 2, 2000, 0, 0, false), dump(7, 3, 3000, 3, 5)};
  uint64_t a = key(dumps[0], 1);
  Timeline t = make_timeline({&dumps[0], &dumps[1], &dumps[2]}, {a});
  ASSERT_EQ(t.points.size(), 2u);
  EXPECT_EQ(t.points[0].counts, (std::vector<long>{2}));
  EXPECT_EQ(t.points[1].counts, (std::vector<long>{3}));
  EXPECT_EQ(t.points[1].seq, 3);
}

}  // namespace
}  // namespace fdscope::tool
