// Per-stack open counts and peaks (state/site_counts): what an exit dump
// reports for sites whose descriptors were closed before it.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "stacks/stack_store.h"
#include "state/site_counts.h"

namespace fdscope {
namespace {

uint32_t stack_of(uintptr_t tag) {
  uintptr_t frames[3] = {0x5000 + tag, 0x6000 + tag, 0x7000};
  return intern_stack(frames, 3);
}

std::vector<StackPeak> peaks() {
  std::vector<StackPeak> out(peak_candidates() + 1);
  out.resize(collect_peaks(out.data(), out.size()));
  return out;
}

const StackPeak* peak_of(const std::vector<StackPeak>& all, uint32_t stack) {
  auto it = std::find_if(all.begin(), all.end(), [&](const StackPeak& p) { return p.stack == stack; });
  return it == all.end() ? nullptr : &*it;
}

TEST(SiteCounts, APeakAboveWhatIsOpenIsReportedWithItsTimeAndCall) {
  uint32_t s = stack_of(1);
  for (int i = 0; i < 30; ++i) count_opened(s, 0, FDSCOPE_CALL_open64, 1000 + i);
  for (int i = 0; i < 30; ++i) count_closed(s);
  for (int i = 0; i < 4; ++i) count_opened(s, 0, FDSCOPE_CALL_open64, 5000);
  auto all = peaks();
  const StackPeak* p = peak_of(all, s);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->peak, 30);
  EXPECT_EQ(p->open, 4);
  EXPECT_EQ(p->peak_mono_ns, 1029u) << "the time the 30th was opened";
  EXPECT_EQ(p->call, FDSCOPE_CALL_open64);
}

TEST(SiteCounts, AStackAtItsPeakOrBelowTwoIsLeftToTheFdLines) {
  uint32_t at_peak = stack_of(2), single = stack_of(3);
  for (int i = 0; i < 5; ++i) count_opened(at_peak, 0, FDSCOPE_CALL_socket, 1);
  count_opened(single, 0, FDSCOPE_CALL_socket, 1);
  count_closed(single);
  auto all = peaks();
  EXPECT_EQ(peak_of(all, at_peak), nullptr) << "5 open, peak 5: the dump's fd lines say it";
  EXPECT_EQ(peak_of(all, single), nullptr) << "one at a time is no peak";
}

TEST(SiteCounts, MovingToALanguageStackKeepsTheNativeStackAsPartner) {
  uint32_t native = stack_of(4), lang = stack_of(5);
  FdRecord r{};
  r.stack = native;
  r.call = FDSCOPE_CALL_socket;
  for (int i = 0; i < 3; ++i) {
    count_opened(native, 0, FDSCOPE_CALL_socket, 10);
    count_moved_to_lang(r, lang, 20 + i);
  }
  for (int i = 0; i < 3; ++i) count_closed(lang);
  auto all = peaks();
  const StackPeak* p = peak_of(all, lang);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->peak, 3);
  EXPECT_EQ(p->open, 0);
  EXPECT_EQ(p->partner, native);
  EXPECT_EQ(peak_of(all, native), nullptr) << "the native stack held one at a time";
}

TEST(SiteCounts, ConcurrentOpensAndClosesBalance) {
  uint32_t s = stack_of(6);
  count_opened(s, 0, FDSCOPE_CALL_open, 1);  // two held throughout: the peak is at least 3
  count_opened(s, 0, FDSCOPE_CALL_open, 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([s] {
      for (int i = 0; i < 20000; ++i) {
        count_opened(s, 0, FDSCOPE_CALL_open, 1);
        count_closed(s);
      }
    });
  for (auto& t : threads) t.join();
  count_closed(s);
  auto all = peaks();
  const StackPeak* p = peak_of(all, s);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->open, 1) << "every close matched its open";
  EXPECT_GE(p->peak, 3);
  EXPECT_LE(p->peak, 6) << "two held, and at most one more per thread";
}

TEST(SiteCounts, AForkChildStartsItsPeaksFromWhatItInherited) {
  uint32_t s = stack_of(7);
  for (int i = 0; i < 10; ++i) count_opened(s, 0, FDSCOPE_CALL_open, 1);
  for (int i = 0; i < 8; ++i) count_closed(s);
  ASSERT_NE(peak_of(peaks(), s), nullptr);
  site_counts_after_fork(99, 2);
  EXPECT_EQ(peak_of(peaks(), s), nullptr) << "the parent's peak of 10 is not the child's";
  EXPECT_EQ(total_peak().peak, 2);
  EXPECT_EQ(total_peak().mono_ns, 99u);
  note_total_open(7, 120);
  note_total_open(5, 130);
  EXPECT_EQ(total_peak().peak, 7);
  EXPECT_EQ(total_peak().mono_ns, 120u);
}

}  // namespace
}  // namespace fdscope
