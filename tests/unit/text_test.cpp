// The allocation-free text helpers (text.h) and the stderr logger (log.h).
#include <errno.h>
#include <stdint.h>

#include <string>

#include <gtest/gtest.h>

#include "util/log.h"
#include "platform/sys.h"
#include "util/text.h"

namespace fdscope {
namespace {

TEST(Text, ParseU64) {
  uint64_t v = 7;
  EXPECT_TRUE(parse_u64("0", 1, &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(parse_u64("18446744073709551615", 19, &v));  // first 19 digits only
  EXPECT_EQ(v, 1844674407370955161u);
  EXPECT_TRUE(parse_u64("9999999999999999999", 19, &v));
  EXPECT_EQ(v, 9999999999999999999u);
  v = 7;
  EXPECT_FALSE(parse_u64("", 0, &v));
  EXPECT_FALSE(parse_u64("12345678901234567890", 20, &v));  // could overflow: refused
  EXPECT_FALSE(parse_u64("12a", 3, &v));
  EXPECT_FALSE(parse_u64("-1", 2, &v));
  EXPECT_FALSE(parse_u64("+1", 2, &v));
  EXPECT_FALSE(parse_u64(" 1", 2, &v));
  EXPECT_EQ(v, 7u);  // untouched on failure
  EXPECT_TRUE(parse_u64("4299", 2, &v));  // only n bytes are read
  EXPECT_EQ(v, 42u);
}

TEST(Text, FormatDecimalAndHex) {
  char buf[32];
  EXPECT_EQ(std::string(buf, format_u64(buf, 0)), "0");
  EXPECT_EQ(std::string(buf, format_u64(buf, 1234567890)), "1234567890");
  EXPECT_EQ(std::string(buf, format_u64(buf, UINT64_MAX)), "18446744073709551615");
  EXPECT_EQ(std::string(buf, format_hex(buf, 0)), "0");
  EXPECT_EQ(std::string(buf, format_hex(buf, 0xdeadBEEF)), "deadbeef");
  EXPECT_EQ(std::string(buf, format_hex(buf, UINT64_MAX)), "ffffffffffffffff");
}

TEST(Text, LineBufBuildsAndTruncatesSafely) {
  LineBuf b;
  b.add("fd ").add_i64(-42).add(" ").add_u64(7).add(" ").add_i64(INT64_MIN).add("xyz", 2);
  EXPECT_STREQ(b.c_str(), "fd -42 7 -9223372036854775808xy");
  EXPECT_EQ(b.size(), strlen(b.c_str()));

  LineBuf big;
  std::string chunk(300, 'a');
  for (int i = 0; i < 10; ++i) big.add(chunk.c_str());
  EXPECT_EQ(big.size(), 1023u);
  EXPECT_EQ(strlen(big.c_str()), 1023u);
  big.add("more").add_u64(5);
  EXPECT_EQ(big.size(), 1023u);
}

TEST(Text, ErrnoTextIsNeverEmpty) {
  EXPECT_STREQ(errno_text(ENOSPC), "no space left on device");
  EXPECT_STREQ(errno_text(EMFILE), "too many open files");
  for (int e = 0; e < 200; ++e) EXPECT_GT(strlen(errno_text(e)), 0u) << e;
}

std::string g_written;
long capture_write(int fd, const void* buf, size_t len) {
  if (fd != 2) return -EBADF;
  g_written.append(static_cast<const char*>(buf), len);
  return (long)len;
}

TEST(Log, LineGoesToStderrThroughTheRawWrite) {
  sys::Ops saved = sys::ops;
  sys::ops.write = capture_write;
  g_written.clear();
  int before = errno = 4321;
  log_line_stderr("fdscope: hello\n");
  sys::ops = saved;
  EXPECT_EQ(g_written, "fdscope: hello\n");
  EXPECT_EQ(errno, before);
}

}  // namespace
}  // namespace fdscope
