// The dump's JSON writer: escaping (control characters, quotes, backslash,
// bytes that are not UTF-8), numbers, buffering, and write failures injected
// through sys::ops.
#include <errno.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "util/json_writer.h"
#include "platform/sys.h"

namespace fdscope {
namespace {

// Runs `fill` on a writer over a memfd with a buffer of `cap` bytes and
// returns what reached the file.
std::string render(const std::function<void(JsonWriter&)>& fill, size_t cap = 4096) {
  int fd = memfd_create("json-writer-test", MFD_CLOEXEC);
  EXPECT_GE(fd, 0);
  std::string buf(cap, '\0');
  JsonWriter w(fd, buf.data(), cap);
  fill(w);
  w.flush();
  EXPECT_EQ(w.error(), 0);
  std::string out(lseek(fd, 0, SEEK_END), '\0');
  EXPECT_EQ(pread(fd, out.data(), out.size(), 0), (ssize_t)out.size());
  close(fd);
  return out;
}

std::string quoted(const std::string& s, size_t cap = 4096) {
  return render([&](JsonWriter& w) { w.str(s.data(), s.size()); }, cap);
}

TEST(JsonWriter, EscapesQuotesBackslashAndControlCharacters) {
  EXPECT_EQ(quoted("plain /path.txt"), "\"plain /path.txt\"");
  EXPECT_EQ(quoted("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(quoted("a\\b"), "\"a\\\\b\"");
  EXPECT_EQ(quoted("l1\nl2\tx"), "\"l1\\nl2\\tx\"");
  EXPECT_EQ(quoted(std::string("\0", 1)), "\"\\u0000\"");
  EXPECT_EQ(quoted("\x01\x08\x0c\r\x1b\x1f"), "\"\\u0001\\u0008\\u000c\\u000d\\u001b\\u001f\"");
  EXPECT_EQ(quoted("del\x7f"), "\"del\\u007f\"");
  EXPECT_EQ(quoted(""), "\"\"");
  EXPECT_EQ(render([](JsonWriter& w) { w.str(nullptr); }), "\"\"");
}

TEST(JsonWriter, ValidUtf8PassesThroughInvalidBytesBecomeLatin1Escapes) {
  EXPECT_EQ(quoted("caf\xc3\xa9"), "\"caf\xc3\xa9\"");                   // é
  EXPECT_EQ(quoted("\xe2\x82\xac"), "\"\xe2\x82\xac\"");                 // €
  EXPECT_EQ(quoted("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");         // U+1F600
  EXPECT_EQ(quoted("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");         // U+10FFFF
  EXPECT_EQ(quoted("\xff"), "\"\\u00ff\"");
  EXPECT_EQ(quoted("a\x80z"), "\"a\\u0080z\"");                            // lone continuation
  EXPECT_EQ(quoted("\xc0\x80"), "\"\\u00c0\\u0080\"");                     // overlong NUL
  EXPECT_EQ(quoted("\xc1\xbf"), "\"\\u00c1\\u00bf\"");                     // overlong
  EXPECT_EQ(quoted("\xe0\x80\xaf"), "\"\\u00e0\\u0080\\u00af\"");          // overlong
  EXPECT_EQ(quoted("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\"");          // surrogate
  EXPECT_EQ(quoted("\xf0\x80\x80\xaf"), "\"\\u00f0\\u0080\\u0080\\u00af\"");  // overlong
  EXPECT_EQ(quoted("\xf4\x90\x80\x80"), "\"\\u00f4\\u0090\\u0080\\u0080\"");  // > U+10FFFF
  EXPECT_EQ(quoted("\xf5\x80\x80"), "\"\\u00f5\\u0080\\u0080\"");          // never valid
  EXPECT_EQ(quoted("\xf8\x88\x80\x80\x80"), "\"\\u00f8\\u0088\\u0080\\u0080\\u0080\"");
  EXPECT_EQ(quoted("\xfe\xbf\xbf"), "\"\\u00fe\\u00bf\\u00bf\"");
  EXPECT_EQ(quoted("\xe2\x82"), "\"\\u00e2\\u0082\"");                     // truncated at end
  EXPECT_EQ(quoted("\xe2\x82x"), "\"\\u00e2\\u0082x\"");                   // cut short
}

// The reader's view: the decoded string has each valid UTF-8 sequence as it
// was and each other byte b as the character U+00b.
bool valid_seq(const unsigned char* s, size_t n, size_t* len) {
  unsigned char c = s[0];
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
    return i < n && s[i] >= lo && s[i] <= hi;
  };
  if (c < 0x80) return *len = 1, true;
  if (c >= 0xc2 && c <= 0xdf) return *len = 2, cont(1);
  if (c == 0xe0) return *len = 3, cont(1, 0xa0) && cont(2);
  if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) return *len = 3, cont(1) && cont(2);
  if (c == 0xed) return *len = 3, cont(1, 0x80, 0x9f) && cont(2);
  if (c == 0xf0) return *len = 4, cont(1, 0x90) && cont(2) && cont(3);
  if (c >= 0xf1 && c <= 0xf3) return *len = 4, cont(1) && cont(2) && cont(3);
  if (c == 0xf4) return *len = 4, cont(1, 0x80, 0x8f) && cont(2) && cont(3);
  return false;
}

std::string expected_decoding(const std::string& in) {
  std::string out;
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  for (size_t i = 0; i < in.size();) {
    size_t len = 0;
    if (valid_seq(s + i, in.size() - i, &len)) {
      out.append(in, i, len);
      i += len;
    } else {
      out += (char)(0xc0 | (s[i] >> 6));
      out += (char)(0x80 | (s[i] & 0x3f));
      ++i;
    }
  }
  return out;
}

std::string random_bytes(std::mt19937& rng) {
  std::string s;
  int n = (int)(rng() % 70);  // past 16: the writer scans 16 bytes at a time
  for (int i = 0; i < n; ++i) {
    switch (rng() % 5) {
      case 0: s += (char)(rng() % 0x80); break;            // ASCII incl. controls
      case 1: s += (char)(0x80 + rng() % 0x80); break;     // any high byte
      case 2: s += "\"\\"[rng() % 2]; break;
      default: {                                            // a valid or near-valid sequence
        static const char* seqs[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xed\x9f\xbf",
                                     "\xee\x80\x80", "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf"};
        std::string q = seqs[rng() % 7];
        if (rng() % 3 == 0) q.resize(rng() % q.size());  // cut short
        s += q;
      }
    }
  }
  return s;
}

TEST(JsonWriter, RandomBytesAlwaysGiveValidJsonThatDecodesToTheLatin1Reading) {
  std::mt19937 rng(777);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string in = random_bytes(rng);
    std::string line = render([&](JsonWriter& w) {
      w.raw("{\"target\":").str(in.data(), in.size()).key("n").u64(1).raw("}");
    }, 1 + rng() % 64);
    for (unsigned char c : line) ASSERT_TRUE(c >= 0x20 && c != 0x7f) << "raw control char in " << line;
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(line)) << line;
    ASSERT_EQ(j.at("target").get<std::string>(), expected_decoding(in)) << line;
  }
}

TEST(JsonWriter, NumbersKeysAndBooleans) {
  std::string out = render([](JsonWriter& w) {
    w.raw("{\"a\":").u64(0).key("b").u64(UINT64_MAX).key("c").i64(-1).key("d").i64(INT64_MIN);
    w.key("e").i64(INT64_MAX).key("f").hex(0).key("g").hex(0xdeadbeef).key("h").boolean(true);
    w.key("i").boolean(false).raw("}");
  });
  EXPECT_EQ(out,
            "{\"a\":0,\"b\":18446744073709551615,\"c\":-1,\"d\":-9223372036854775808,"
            "\"e\":9223372036854775807,\"f\":\"0x0\",\"g\":\"0xdeadbeef\",\"h\":true,\"i\":false}");
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["b"].get<uint64_t>(), UINT64_MAX);
  EXPECT_EQ(j["d"].get<int64_t>(), INT64_MIN);
}

TEST(JsonWriter, TinyBuffersGiveTheSameOutput) {
  auto fill = [](JsonWriter& w) {
    for (int i = 0; i < 50; ++i) {
      w.raw("{\"k\":").str("va\"l\x01\xff\xe2\x82\xacue").key("n").i64(-i * 1000003).raw("}\n");
    }
  };
  std::string reference = render(fill, 1 << 16);
  for (size_t cap : {1, 2, 3, 5, 7, 16, 100}) EXPECT_EQ(render(fill, cap), reference) << cap;
}

// ---- failures injected through sys::ops.write --------------------------

int g_calls;
std::string g_sink;
long fail_nospc(int, const void*, size_t) { return ++g_calls, -ENOSPC; }
long eintr_then_ok(int, const void* b, size_t n) {
  if (++g_calls % 2 == 1) return -EINTR;
  g_sink.append(static_cast<const char*>(b), n);
  return (long)n;
}
long one_byte(int, const void* b, size_t n) {
  ++g_calls;
  if (n == 0) return 0;
  g_sink.append(static_cast<const char*>(b), 1);
  return 1;
}
long zero_write(int, const void*, size_t) { return ++g_calls, 0; }

class JsonWriterFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = sys::ops;
    g_calls = 0;
    g_sink.clear();
  }
  void TearDown() override { sys::ops = saved_; }
  sys::Ops saved_;
};

TEST_F(JsonWriterFaults, FirstErrorIsKeptAndWritingStops) {
  sys::ops.write = fail_nospc;
  char buf[8];
  JsonWriter w(99, buf, sizeof(buf));
  w.raw("0123456789abcdef");  // overflows the buffer: one failed write
  EXPECT_EQ(w.error(), -ENOSPC);
  EXPECT_EQ(g_calls, 1);
  w.str("more").u64(12345678901234).raw("0123456789abcdef");
  w.flush();
  w.flush();
  EXPECT_EQ(g_calls, 1);
  EXPECT_EQ(w.error(), -ENOSPC);
}

TEST_F(JsonWriterFaults, InterruptedWritesAreRetried) {
  sys::ops.write = eintr_then_ok;
  char buf[4];
  JsonWriter w(99, buf, sizeof(buf));
  w.raw("{\"x\":").str("yz").raw("}");
  w.flush();
  EXPECT_EQ(w.error(), 0);
  EXPECT_EQ(g_sink, "{\"x\":\"yz\"}");
}

TEST_F(JsonWriterFaults, ShortWritesAreCompleted) {
  sys::ops.write = one_byte;
  char buf[64];
  JsonWriter w(99, buf, sizeof(buf));
  w.raw("{\"x\":").i64(-5).raw("}\n");
  w.flush();
  EXPECT_EQ(w.error(), 0);
  EXPECT_EQ(g_sink, "{\"x\":-5}\n");
}

TEST_F(JsonWriterFaults, AWriteOfZeroBytesIsAnErrorNotALoop) {
  sys::ops.write = zero_write;
  char buf[64];
  JsonWriter w(99, buf, sizeof(buf));
  w.raw("abc");
  w.flush();
  EXPECT_EQ(w.error(), -EIO);
  EXPECT_EQ(g_calls, 1);
}

}  // namespace
}  // namespace fdscope

namespace fdscope {
namespace {

// The dump passes a zero-sized buffer when its scratch memory ran out: the
// writer must still finish (writing unbuffered), never spin. Run in a child
// with an alarm so that a hang fails the test instead of stalling it.
TEST(JsonWriter, ZeroSizedBufferWritesUnbufferedAndTerminates) {
  int fd = memfd_create("json-writer-nobuf", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    alarm(5);
    JsonWriter w(fd, nullptr, 0);
    w.raw("{\"k\":").str("v\n").raw("}");
    w.flush();
    _exit(w.error() == 0 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "writer hung (killed by signal " << WTERMSIG(status) << ")";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::string out(lseek(fd, 0, SEEK_END), '\0');
  EXPECT_EQ(pread(fd, out.data(), out.size(), 0), (ssize_t)out.size());
  EXPECT_EQ(out, "{\"k\":\"v\\n\"}");
  close(fd);
}

}  // namespace
}  // namespace fdscope
