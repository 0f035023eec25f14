// The published state's reader: a text read mid-rewrite, cut short, or of
// another version is never taken for a whole state.
#include <gtest/gtest.h>

#include "cli/process_state.h"

namespace fdscope::tool {
namespace {

const std::string kWhole =
    "fdscope-state 1 gen=7\n"
    "pid=4242\n"
    "signal=41\n"
    "signal_owner=library\n"
    "output=/var/dumps/d.%p.jsonl\n"
    "options=signal=SIGRTMIN+7:output=/var/dumps/d.%p.jsonl\n"
    "dumps=2\n"
    "last_seq=2\n"
    "last_reason=signal\n"
    "last_path=/tmp/fdscope.4242.jsonl\n"
    "last_error=0\n"
    "end gen=7\n";

TEST(ProcessState, WholeTextGivesEveryField) {
  auto s = parse_process_state(kWhole);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pid, 4242);
  EXPECT_EQ(s->signal, 41);
  EXPECT_EQ(s->signal_owner, "library");
  EXPECT_EQ(s->output, "/var/dumps/d.%p.jsonl");
  EXPECT_EQ(s->options, "signal=SIGRTMIN+7:output=/var/dumps/d.%p.jsonl");
  EXPECT_EQ(s->dumps, 2u);
  EXPECT_EQ(s->last_seq, 2u);
  EXPECT_EQ(s->last_reason, "signal");
  EXPECT_EQ(s->last_path, "/tmp/fdscope.4242.jsonl");
  EXPECT_EQ(s->last_error, 0);
}

// A shorter rewrite leaves the tail of the longer one behind its end line.
TEST(ProcessState, BytesAfterTheEndLineAreLeftovers) {
  auto s = parse_process_state(kWhole + "ath=/old/path\nlast_error=0\nend gen=3\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->last_path, "/tmp/fdscope.4242.jsonl");
}

TEST(ProcessState, TwoGenerationsAreAReadMidWrite) {
  std::string mixed = kWhole;
  mixed.replace(mixed.find("end gen=7"), 9, "end gen=8");
  EXPECT_FALSE(parse_process_state(mixed));
}

TEST(ProcessState, EveryCutIsRefused) {
  for (size_t n = 0; n < kWhole.size(); ++n)
    EXPECT_FALSE(parse_process_state(kWhole.substr(0, n))) << "cut at " << n;
}

TEST(ProcessState, AnotherVersionIsRefused) {
  std::string v2 = kWhole;
  v2.replace(0, 15, "fdscope-state 2");
  EXPECT_FALSE(parse_process_state(v2));
}

TEST(ProcessState, UnknownKeysAreSkipped) {
  std::string later = kWhole;
  later.insert(later.find("end gen"), "new_key=anything\n");
  auto s = parse_process_state(later);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->signal_owner, "library");
}

}  // namespace
}  // namespace fdscope::tool
