// The language frame store: interning, lookups, cutting long names, and
// language stacks built from frame ids.
#include "lang/lang_frames.h"

#include <string>

#include <gtest/gtest.h>

namespace fdscope::lang {
namespace {

uint32_t js(const std::string& fn, const std::string& file, int line, int col) {
  return intern_frame(FDSCOPE_LANG_JS, fn.data(), fn.size(), file.data(), file.size(), line, col);
}

std::string function_of(uint32_t id) {
  FrameInfo f{};
  EXPECT_TRUE(frame_info(id, &f));
  return std::string(f.function, f.function_len);
}

TEST(LangFrames, SameFrameSameIdDifferentFieldsDifferentIds) {
  uint32_t a = js("openConfig", "/app/leak.js", 3, 20);
  ASSERT_NE(a, 0u);
  EXPECT_EQ(js("openConfig", "/app/leak.js", 3, 20), a);
  EXPECT_NE(js("openConfig", "/app/leak.js", 4, 20), a);
  EXPECT_NE(js("openConfig", "/app/leak.js", 3, 21), a);
  EXPECT_NE(js("openConfig", "/app/other.js", 3, 20), a);
  EXPECT_NE(js("openConfog", "/app/leak.js", 3, 20), a);
  uint32_t py = intern_frame(FDSCOPE_LANG_PYTHON, "openConfig", 10, "/app/leak.js", 12, 3, 20);
  EXPECT_NE(py, a);
}

TEST(LangFrames, InfoReturnsWhatWasInterned) {
  uint32_t id = intern_frame(FDSCOPE_LANG_PYTHON, "open_logs", 9, "/srv/job.py", 11, 12, 0);
  FrameInfo f{};
  ASSERT_TRUE(frame_info(id, &f));
  EXPECT_EQ(f.lang, common::Lang::kPython);
  EXPECT_EQ(std::string(f.function, f.function_len), "open_logs");
  EXPECT_EQ(std::string(f.file, f.file_len), "/srv/job.py");
  EXPECT_EQ(f.line, 12);
  EXPECT_EQ(f.column, 0);
  EXPECT_FALSE(frame_info(0, &f));
}

TEST(LangFrames, AnonymousFunctionsAndMissingNames) {
  uint32_t id = intern_frame(FDSCOPE_LANG_JS, nullptr, 5, nullptr, 7, 1, 1);
  ASSERT_NE(id, 0u);
  EXPECT_EQ(function_of(id), "");
}

TEST(LangFrames, LongNamesAreCutOnACharacterBoundary) {
  // 254 ASCII bytes, then a 3-byte character that would straddle the cut.
  std::string name(254, 'a');
  name += "\xe2\x82\xac";
  uint32_t id = js(name, "/f.js", 1, 1);
  EXPECT_EQ(function_of(id), std::string(254, 'a'));
  std::string file(2000, 'f');
  FrameInfo f{};
  ASSERT_TRUE(frame_info(js("x", file, 1, 1), &f));
  EXPECT_EQ(f.file_len, kMaxFile);
}

TEST(LangFrames, StacksKeepFramesAndAsyncFlags) {
  uint32_t a = js("internalConnect", "node:net", 1080, 5);
  uint32_t b = js("handler", "/var/task/index.js", 12, 22);
  uint32_t frames[] = {a, b | FDSCOPE_LANG_FRAME_ASYNC};
  uint32_t s = intern_lang_stack(frames, 2);
  ASSERT_NE(s, 0u);
  EXPECT_EQ(intern_lang_stack(frames, 2), s);
  uint32_t sync_only[] = {a, b};
  EXPECT_NE(intern_lang_stack(sync_only, 2), s);
  StackView st = stack_frames(s);
  ASSERT_TRUE(is_lang_stack(st));
  ASSERT_EQ(st.depth, 2u);
  EXPECT_EQ(frame_id_of(st.frames[0]), a);
  EXPECT_FALSE(is_async_word(st.frames[0]));
  EXPECT_EQ(frame_id_of(st.frames[1]), b);
  EXPECT_TRUE(is_async_word(st.frames[1]));
  uintptr_t native[] = {0x401000, 0x401200};
  EXPECT_FALSE(is_lang_stack(stack_frames(intern_stack(native, 2))));
}

TEST(LangFrames, ZeroIdsAreLeftOutOfStacks) {
  uint32_t a = js("f", "/f.js", 1, 1);
  uint32_t frames[] = {0, a, 0};
  StackView st = stack_frames(intern_lang_stack(frames, 3));
  ASSERT_EQ(st.depth, 1u);
  EXPECT_EQ(frame_id_of(st.frames[0]), a);
  uint32_t none[] = {0};
  EXPECT_EQ(intern_lang_stack(none, 1), 0u);
}

}  // namespace
}  // namespace fdscope::lang
