// UTC formatting of dump times (ISO 8601 with milliseconds), hand-rolled for
// signal safety: known instants, leap years, and agreement with gmtime_r.
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "util/utc_time.h"

namespace fdscope {
namespace {

std::string utc(uint64_t unix_ns) {
  char out[32];
  memset(out, 'X', sizeof(out));
  format_utc_iso8601(unix_ns, out);
  EXPECT_EQ(strlen(out), 24u);
  return out;
}

constexpr uint64_t kMs = 1000000;

TEST(UtcTime, KnownInstants) {
  EXPECT_EQ(utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(utc(999999999), "1970-01-01T00:00:00.999Z");  // truncated, not rounded
  EXPECT_EQ(utc(86399999 * kMs), "1970-01-01T23:59:59.999Z");
  EXPECT_EQ(utc(86400000 * kMs), "1970-01-02T00:00:00.000Z");
  EXPECT_EQ(utc(946684799999 * kMs), "1999-12-31T23:59:59.999Z");
  EXPECT_EQ(utc(978307200000 * kMs), "2001-01-01T00:00:00.000Z");
  EXPECT_EQ(utc(2147483648000 * kMs), "2038-01-19T03:14:08.000Z");
  EXPECT_EQ(utc(1795904623123 * kMs + 456789), "2026-11-28T22:23:43.123Z");
  EXPECT_EQ(utc(UINT64_MAX), "2554-07-21T23:34:33.709Z");  // the last representable instant
}

TEST(UtcTime, LeapYears) {
  EXPECT_EQ(utc(68255999500 * kMs), "1972-02-29T23:59:59.500Z");
  EXPECT_EQ(utc(951782400000 * kMs), "2000-02-29T00:00:00.000Z");  // divisible by 400
  EXPECT_EQ(utc(1709210096789 * kMs), "2024-02-29T12:34:56.789Z");
  EXPECT_EQ(utc(4107542399999 * kMs), "2100-02-28T23:59:59.999Z");  // 2100: not leap
  EXPECT_EQ(utc(4107542400000 * kMs), "2100-03-01T00:00:00.000Z");
  EXPECT_EQ(utc((1709210096789 + 86400000) * kMs), "2024-03-01T12:34:56.789Z");
  EXPECT_EQ(utc(1735689599000 * kMs), "2024-12-31T23:59:59.000Z");  // day 366
}

TEST(UtcTime, AgreesWithGmtimeOverTheWholeRange) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) {
    uint64_t secs = rng() % (UINT64_MAX / 1000000000ull);  // up to 2554
    if (i % 4 == 0) secs = rng() % 4102444800ull;  // denser before 2100
    uint64_t ms = rng() % 1000;
    time_t t = (time_t)secs;
    struct tm tm {};
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    char want[64];
    snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)ms);
    uint64_t ns = secs * 1000000000ull + ms * kMs + rng() % kMs;
    if (ns / 1000000000ull != secs) continue;  // past UINT64_MAX
    ASSERT_EQ(utc(ns), want) << secs;
  }
}

}  // namespace
}  // namespace fdscope
