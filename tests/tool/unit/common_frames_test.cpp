// common/'s frame rules: the C runtime's modules, JavaScript-engine frames,
// language names and whose code a language frame is.
#include <cstring>

#include <gtest/gtest.h>

#include "fdscope_common/lang_frames.h"
#include "fdscope_common/runtime_frames.h"

namespace fdscope::common {
namespace {

TEST(CRuntimeModules, GlibcLoaderPthreadAndTheLibrary) {
  for (const char* p : {"/lib/x86_64-linux-gnu/libc.so.6", "/lib/libc-2.31.so", "libc.so.6",
                        "/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1",
                        "/lib/x86_64-linux-gnu/libpthread.so.0", "/opt/lib/libfdscope.so"})
    EXPECT_TRUE(is_c_runtime_module(p)) << p;
  for (const char* p : {"/srv/app", "/usr/lib/libcurl.so.4", "/usr/bin/node", "/lib/libcrypt.so.1",
                        "/srv/libc.so.6/app", "", static_cast<const char*>(nullptr)})
    EXPECT_FALSE(is_c_runtime_module(p)) << (p ? p : "(null)");
}

TEST(JsEngineFrames, OutsideModulesOrBuiltins) {
  EXPECT_TRUE(is_js_engine_frame(false, nullptr));
  EXPECT_TRUE(is_js_engine_frame(false, "JS:~f"));
  EXPECT_TRUE(is_js_engine_frame(true, "Builtins_InterpreterEntryTrampoline"));
  EXPECT_FALSE(is_js_engine_frame(true, "uv_fs_open"));
  EXPECT_FALSE(is_js_engine_frame(true, nullptr));
}

TEST(LangNames, RoundTrip) {
  EXPECT_STREQ(lang_name(Lang::kJs), "js");
  EXPECT_STREQ(lang_name(Lang::kPython), "python");
  EXPECT_STREQ(lang_name(Lang::kNative), "");
  EXPECT_EQ(lang_from_name("js", 2), Lang::kJs);
  EXPECT_EQ(lang_from_name("python", 6), Lang::kPython);
  EXPECT_EQ(lang_from_name("ruby", 4), Lang::kNative);
  EXPECT_EQ(lang_from_name("jsx", 2), Lang::kJs);  // by length: the first two bytes
}

CodeOwner owner(Lang l, const char* file) { return lang_frame_owner(l, file, strlen(file)); }

TEST(LangFrameOwner, JavaScript) {
  EXPECT_EQ(owner(Lang::kJs, "node:net"), CodeOwner::kRuntime);
  EXPECT_EQ(owner(Lang::kJs, "node:internal/fs/promises"), CodeOwner::kRuntime);
  EXPECT_EQ(owner(Lang::kJs, "internal/process/task_queues"), CodeOwner::kRuntime);
  EXPECT_EQ(owner(Lang::kJs, "/app/node_modules/mysql2/lib/c.js"), CodeOwner::kDependency);
  EXPECT_EQ(owner(Lang::kJs, "node_modules/x/i.js"), CodeOwner::kDependency);
  EXPECT_EQ(owner(Lang::kJs, "file:///var/task/index.mjs"), CodeOwner::kUser);
  EXPECT_EQ(owner(Lang::kJs, "/var/task/index.js"), CodeOwner::kUser);
  EXPECT_EQ(owner(Lang::kJs, "/srv/my_node_modules_tool.js"), CodeOwner::kUser);
}

TEST(LangFrameOwner, Python) {
  EXPECT_EQ(owner(Lang::kPython, "/usr/lib/python3.11/socket.py"), CodeOwner::kRuntime);
  EXPECT_EQ(owner(Lang::kPython, "/usr/local/lib/python3.13/asyncio/base_events.py"), CodeOwner::kRuntime);
  EXPECT_EQ(owner(Lang::kPython, "/var/lang/lib/python3.9/subprocess.py"), CodeOwner::kRuntime);
  EXPECT_EQ(owner(Lang::kPython, "<frozen importlib._bootstrap>"), CodeOwner::kRuntime);
  EXPECT_EQ(owner(Lang::kPython, "/usr/lib/python3/dist-packages/requests/api.py"), CodeOwner::kUser);
  EXPECT_EQ(owner(Lang::kPython, "/venv/lib/python3.11/site-packages/redis/c.py"), CodeOwner::kUser);
  EXPECT_EQ(owner(Lang::kPython, "/srv/leak.py"), CodeOwner::kUser);
  EXPECT_EQ(owner(Lang::kPython, "/srv/mylib/python3.11/x.py"), CodeOwner::kUser);
}

}  // namespace
}  // namespace fdscope::common
