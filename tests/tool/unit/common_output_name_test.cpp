// common/'s dump file names: %p and %t, the default, ".N" suffixes, and
// recognising a process's files (what `fdscope snapshot` relies on).
#include <string>

#include <gtest/gtest.h>

#include "fdscope_common/output_name.h"

namespace fdscope::common {
namespace {

std::string expand(const char* tmpl, long pid, uint64_t t, size_t cap = 256) {
  char buf[256];
  size_t n = expand_output_name(tmpl, pid, t, buf, cap);
  EXPECT_EQ(n, strlen(buf));
  return buf;
}

TEST(OutputName, ExpandsPidAndTime) {
  EXPECT_EQ(expand("/tmp/fdscope.%p.jsonl", 4242, 0), "/tmp/fdscope.4242.jsonl");
  EXPECT_EQ(expand("/d/%p-%t.jsonl", 7, 1795905408), "/d/7-1795905408.jsonl");
  EXPECT_EQ(expand("/d/%x%%p.%", 7, 1), "/d/%x%7.%");
  EXPECT_EQ(expand("/d/%t", 7, 0), "/d/0");
}

TEST(OutputName, CutsAtTheCapacityAndStaysTerminated) {
  EXPECT_EQ(expand("/tmp/fdscope.%p.jsonl", 123456, 0, 12), "/tmp/fdscop");
  EXPECT_EQ(expand("/tmp/%p", 123456, 0, 9), "/tmp/123");
}

TEST(OutputName, DefaultTemplate) {
  char buf[64];
  default_output_template("/var/tmp", buf, sizeof(buf));
  EXPECT_STREQ(buf, "/var/tmp/fdscope.%p.jsonl");
  default_output_template("", buf, sizeof(buf));
  EXPECT_STREQ(buf, "/tmp/fdscope.%p.jsonl");
  default_output_template(nullptr, buf, sizeof(buf));
  EXPECT_STREQ(buf, "/tmp/fdscope.%p.jsonl");
}

TEST(OutputName, Suffixes) {
  char buf[32] = "/tmp/f.jsonl";
  size_t n = add_output_suffix(buf, strlen(buf), sizeof(buf), 0);
  EXPECT_STREQ(buf, "/tmp/f.jsonl");
  n = add_output_suffix(buf, n, sizeof(buf), 12);
  EXPECT_STREQ(buf, "/tmp/f.jsonl.12");
  EXPECT_EQ(n, strlen(buf));
}

TEST(OutputName, HasTime) {
  EXPECT_TRUE(output_name_has_time("/tmp/x.%t.jsonl"));
  EXPECT_FALSE(output_name_has_time("/tmp/x.%p.jsonl"));
  EXPECT_FALSE(output_name_has_time("/tmp/x.%"));
}

TEST(OutputName, MatchesAProcesssFiles) {
  EXPECT_TRUE(output_name_matches("fdscope.%p.jsonl", 42, "fdscope.42.jsonl"));
  EXPECT_TRUE(output_name_matches("fdscope.%p.jsonl", 42, "fdscope.42.jsonl.3"));
  EXPECT_TRUE(output_name_matches("fdscope.%p.jsonl", 42, "fdscope.42.jsonl.99"));
  EXPECT_FALSE(output_name_matches("fdscope.%p.jsonl", 42, "fdscope.42.jsonl.100"));
  EXPECT_FALSE(output_name_matches("fdscope.%p.jsonl", 42, "fdscope.42.jsonl.0"));
  EXPECT_FALSE(output_name_matches("fdscope.%p.jsonl", 42, "fdscope.421.jsonl"));
  EXPECT_FALSE(output_name_matches("fdscope.%p.jsonl", 42, "fdscope.4.jsonl"));
  EXPECT_TRUE(output_name_matches("d.%p.%t.jsonl", 42, "d.42.1795905408.jsonl"));
  EXPECT_TRUE(output_name_matches("d.%t%p.jsonl", 42, "d.1795905408" "42.jsonl"));
  EXPECT_FALSE(output_name_matches("d.%p.%t.jsonl", 42, "d.42..jsonl"));
  EXPECT_FALSE(output_name_matches("d.%p.%t.jsonl", 42, "d.42.17x.jsonl"));
  EXPECT_TRUE(output_name_matches("plain.jsonl", 42, "plain.jsonl.1"));
}

}  // namespace
}  // namespace fdscope::common
