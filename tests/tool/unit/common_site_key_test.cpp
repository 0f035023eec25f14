// common::SiteKey: what makes two stacks one call site, for the library's
// summary and the tool alike.
#include <cstring>

#include <gtest/gtest.h>

#include "fdscope_common/site_key.h"

namespace fdscope::common {
namespace {

LangFrameRef ref(const char* fn, const char* file, int line, int column, bool async = false) {
  LangFrameRef r;
  r.lang = Lang::kJs;
  r.function = fn;
  r.function_len = strlen(fn);
  r.file = file;
  r.file_len = strlen(file);
  r.line = line;
  r.column = column;
  r.async = async;
  return r;
}

uint64_t native_key(std::initializer_list<std::pair<const char*, uint64_t>> frames) {
  SiteKey k;
  for (auto [path, offset] : frames) k.native_frame(path, offset);
  return k.value();
}

TEST(SiteKey, NativeFramesByPathAndOffset) {
  EXPECT_EQ(native_key({{"/srv/app", 0x12a8}, {"/srv/app", 0x13c2}}),
            native_key({{"/srv/app", 0x12a8}, {"/srv/app", 0x13c2}}));
  EXPECT_NE(native_key({{"/srv/app", 0x12a8}}), native_key({{"/srv/app", 0x12a9}}));
  EXPECT_NE(native_key({{"/srv/app", 0x12a8}}), native_key({{"/srv/app2", 0x12a8}}));
  EXPECT_NE(native_key({{"/srv/app", 1}, {"/srv/app", 2}}), native_key({{"/srv/app", 2}, {"/srv/app", 1}}));
  // Field boundaries: "ab"+"c" is not "a"+"bc".
  EXPECT_NE(native_key({{"ab", 0}, {"c", 0}}), native_key({{"a", 0}, {"bc", 0}}));
}

TEST(SiteKey, AJitRunIsOneTokenNamedWithoutTier) {
  SiteKey a, b, c, d;
  a.native_frame("/usr/bin/node", 0x100);
  a.js_engine_frame(nullptr);
  a.js_engine_frame(nullptr);
  a.native_frame("/usr/bin/node", 0x200);
  b.native_frame("/usr/bin/node", 0x100);
  b.js_engine_frame("");
  b.native_frame("/usr/bin/node", 0x200);
  EXPECT_EQ(a.value(), b.value());
  c.js_engine_frame("JS:~openDb /srv/app.js:4:34");
  d.js_engine_frame("JS:*openDb /srv/app.js:4:34");
  EXPECT_EQ(c.value(), d.value());
  SiteKey e;
  e.js_engine_frame("JS:*readDb /srv/app.js:9:1");
  EXPECT_NE(c.value(), e.value());
}

TEST(SiteKey, LanguageFramesByEveryField) {
  auto key = [](LangFrameRef r) {
    SiteKey k;
    k.lang_frame(r);
    return k.value();
  };
  uint64_t base = key(ref("openConfig", "/abs/leak.js", 3, 20));
  EXPECT_EQ(base, key(ref("openConfig", "/abs/leak.js", 3, 20)));
  EXPECT_NE(base, key(ref("openConfig", "/abs/leak.js", 4, 20)));
  EXPECT_NE(base, key(ref("openConfig", "/abs/leak.js", 3, 21)));
  EXPECT_NE(base, key(ref("openConfig", "/abs/other.js", 3, 20)));
  EXPECT_NE(base, key(ref("readConfig", "/abs/leak.js", 3, 20)));
  EXPECT_NE(base, key(ref("openConfig", "/abs/leak.js", 3, 20, true)));
  LangFrameRef py = ref("openConfig", "/abs/leak.js", 3, 20);
  py.lang = Lang::kPython;
  EXPECT_NE(base, key(py));
}

TEST(JitNameKey, StripsThePrefixAndTierMarks) {
  size_t n;
  const char* k = jit_name_key("JS:*openDb /srv/app.js:4:34", &n);
  EXPECT_EQ(std::string(k, n), "openDb /srv/app.js:4:34");
  k = jit_name_key("JS:~^openDb", &n);
  EXPECT_EQ(std::string(k, n), "openDb");
  k = jit_name_key("plain /a.js:1:2", &n);  // no prefix: the first ':' is after a space
  EXPECT_EQ(std::string(k, n), "plain /a.js:1:2");
}

}  // namespace
}  // namespace fdscope::common
