// The language-stack API (include/fdscope_lang.h) as a runtime integration
// uses it: found with dlsym, a process capturer whose stack is recorded with
// each new descriptor, and late attribution; checked in real dumps.
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "fdscope_lang.h"
#include "hook_test_support.h"

namespace fdscope::test {
namespace {

struct LangApi {
  decltype(&fdscope_lang_enabled) enabled;
  decltype(&fdscope_lang_frame) frame;
  decltype(&fdscope_lang_stack) stack;
  decltype(&fdscope_lang_stack_frames) stack_frames;
  decltype(&fdscope_lang_set_capturer) set_capturer;
  decltype(&fdscope_lang_attribute) attribute;
};

LangApi api() {
  LangApi a{};
  a.enabled = reinterpret_cast<decltype(a.enabled)>(dlsym(RTLD_DEFAULT, "fdscope_lang_enabled"));
  a.frame = reinterpret_cast<decltype(a.frame)>(dlsym(RTLD_DEFAULT, "fdscope_lang_frame"));
  a.stack = reinterpret_cast<decltype(a.stack)>(dlsym(RTLD_DEFAULT, "fdscope_lang_stack"));
  a.stack_frames =
      reinterpret_cast<decltype(a.stack_frames)>(dlsym(RTLD_DEFAULT, "fdscope_lang_stack_frames"));
  a.set_capturer =
      reinterpret_cast<decltype(a.set_capturer)>(dlsym(RTLD_DEFAULT, "fdscope_lang_set_capturer"));
  a.attribute =
      reinterpret_cast<decltype(a.attribute)>(dlsym(RTLD_DEFAULT, "fdscope_lang_attribute"));
  return a;
}

uint32_t frame(const LangApi& a, const std::string& fn, const std::string& file, int line,
               int col) {
  return a.frame(FDSCOPE_LANG_JS, fn.data(), fn.size(), file.data(), file.size(), line, col);
}

uint32_t g_stack_to_give = 0;
fdscope_lang_call g_last_call{};
int g_last_fd = -1;

uint32_t capturer(fdscope_lang_call call, int fd) {
  g_last_call = call;
  g_last_fd = fd;
  return g_stack_to_give;
}

class LangApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = api();
    ASSERT_TRUE(a_.enabled && a_.frame && a_.stack && a_.stack_frames && a_.set_capturer &&
                a_.attribute);
    ASSERT_EQ(a_.enabled(), FDSCOPE_LANG_API_VERSION);
  }
  void TearDown() override {
    if (a_.set_capturer) a_.set_capturer(nullptr);
    g_stack_to_give = 0;
  }
  LangApi a_;
};

TEST_F(LangApiTest, CapturedStackIsRecordedAndWrittenWithItsFrames) {
  uint32_t inner = frame(a_, "openConfig", "/app/leak.js", 3, 20);
  uint32_t outer = frame(a_, "handler", "/app/leak.js", 11, 5);
  uint32_t frames[] = {inner, outer | FDSCOPE_LANG_FRAME_ASYNC};
  g_stack_to_give = a_.stack(frames, 2);
  ASSERT_NE(g_stack_to_give, 0u);
  a_.set_capturer(capturer);
  int fd = open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  int sock = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  EXPECT_EQ(g_last_call, FDSCOPE_LANG_CALL_SOCKET);
  EXPECT_EQ(g_last_fd, sock);
  a_.set_capturer(nullptr);
  int plain = open("/dev/null", O_RDONLY);

  Dump d = dump_now();
  EXPECT_EQ(d.header.at("format").get<int>(), 2);
  EXPECT_TRUE(IsTracked(d, fd, "open", "chr", "/dev/null"));
  const FdEntry* e = d.find(fd);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->lang_stack, g_stack_to_give);
  const auto& fr = d.frames(e->lang_stack);
  ASSERT_EQ(fr.size(), 2u);
  EXPECT_EQ(fr[0].lang, "js");
  EXPECT_EQ(fr[0].function, "openConfig");
  EXPECT_EQ(fr[0].file, "/app/leak.js");
  EXPECT_EQ(fr[0].line, 3);
  EXPECT_EQ(fr[0].column, 20);
  EXPECT_FALSE(fr[0].async);
  EXPECT_EQ(fr[1].function, "handler");
  EXPECT_EQ(fr[1].line, 11);
  EXPECT_TRUE(fr[1].async);
  EXPECT_EQ(d.find(sock)->lang_stack, g_stack_to_give);
  ASSERT_NE(d.find(plain), nullptr);
  EXPECT_EQ(d.find(plain)->lang_stack, 0u);
  close(fd);
  close(sock);
  close(plain);
}

TEST_F(LangApiTest, AttributionNamesOnlyOpenDescriptorsWithoutAStack) {
  uint32_t f1 = frame(a_, "openLater", "/app/pool.js", 40, 9);
  uint32_t f2 = frame(a_, "other", "/app/pool.js", 50, 9);
  uint32_t s1 = a_.stack(&f1, 1), s2 = a_.stack(&f2, 1);
  int fd = open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  a_.attribute(fd, s1);
  a_.attribute(fd, s2);      // already named: kept
  a_.attribute(fd + 1000, s2);  // not open: ignored
  Dump d = dump_now();
  EXPECT_EQ(d.find(fd)->lang_stack, s1);
  EXPECT_EQ(d.find(fd + 1000), nullptr);
  close(fd);
}

TEST_F(LangApiTest, StackFramesComposeAsyncChains) {
  uint32_t f1 = frame(a_, "a", "/a.js", 1, 1), f2 = frame(a_, "b", "/a.js", 2, 1);
  uint32_t in[] = {f1, f2 | FDSCOPE_LANG_FRAME_ASYNC};
  uint32_t s = a_.stack(in, 2);
  uint32_t out[4] = {};
  ASSERT_EQ(a_.stack_frames(s, out, 4), 2u);
  EXPECT_EQ(out[0], f1);
  EXPECT_EQ(out[1], f2 | FDSCOPE_LANG_FRAME_ASYNC);
  EXPECT_EQ(a_.stack_frames(0, out, 4), 0u);
}

TEST_F(LangApiTest, ApiKeepsErrno) {
  errno = EXDEV;
  uint32_t f = frame(a_, "errno_keeper", "/e.js", 7, 7);
  a_.stack(&f, 1);
  EXPECT_EQ(errno, EXDEV);
}

}  // namespace
}  // namespace fdscope::test
