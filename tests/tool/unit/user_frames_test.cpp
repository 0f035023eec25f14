// Where a site starts: the C runtime's frames folded away, language sites
// at the user's innermost frame (not node: internals, not the Python
// standard library; dependencies only when nothing else is there).
#include <gtest/gtest.h>

#include "analysis/user_frames.h"

namespace fdscope::tool {
namespace {

ReportFrame lang(Lang l, const std::string& fn, const std::string& file, bool async = false) {
  ReportFrame f;
  f.lang = l;
  f.function = fn;
  f.file = file;
  f.line = 1;
  f.async = async;
  return f;
}

ReportFrame native(const std::string& module, const std::string& fn) {
  ReportFrame f;
  f.module = module;
  f.function = fn;
  f.offset = 0x10;
  return f;
}

std::vector<std::string> functions_after_fold(std::vector<ReportFrame> frames) {
  ReportSite s;
  s.frames = std::move(frames);
  fold_runtime_frames(s);
  std::vector<std::string> out;
  for (const ReportFrame& f : s.frames) out.push_back((f.async ? "async " : "") + f.function);
  return out;
}

using V = std::vector<std::string>;

TEST(FoldRuntimeFrames, DropsTheCRuntimeFrames) {
  EXPECT_EQ(functions_after_fold({native("/lib/x86_64-linux-gnu/libc.so.6", "open"),
                                  native("/usr/lib/libc-2.31.so", "fopen"),
                                  native("/lib64/ld-linux-x86-64.so.2", "_dl_x"),
                                  native("/srv/app", "connect_db"), native("/srv/app", "main")}),
            (V{"connect_db", "main"}));
}

TEST(FoldRuntimeFrames, JavaScriptStartsAtTheUsersCodeAndKeepsTheAsyncMark) {
  EXPECT_EQ(functions_after_fold({lang(Lang::kJs, "internalConnect", "node:net"),
                                  lang(Lang::kJs, "emitLookup", "node:net", true),
                                  lang(Lang::kJs, "createConnection", "/app/node_modules/mysql2/index.js"),
                                  lang(Lang::kJs, "handler", "/app/index.mjs"),
                                  lang(Lang::kJs, "", "file:///app/main.mjs"),
                                  native("/usr/bin/node", "uv__socket")}),
            (V{"async handler", "", "uv__socket"}));
}

TEST(FoldRuntimeFrames, DependenciesWhenNoUserCode) {
  EXPECT_EQ(functions_after_fold({lang(Lang::kJs, "connect", "node:net"),
                                  lang(Lang::kJs, "createConnection", "node_modules/mysql2/index.js"),
                                  lang(Lang::kJs, "processTicks", "internal/process/task_queues")}),
            (V{"createConnection", "processTicks"}));
}

TEST(FoldRuntimeFrames, OnlyRuntimeFramesAreKept) {
  EXPECT_EQ(functions_after_fold({lang(Lang::kJs, "a", "node:fs"), lang(Lang::kJs, "b", "internal/x")}),
            (V{"a", "b"}));
}

TEST(FoldRuntimeFrames, PythonStartsBelowTheStandardLibrary) {
  EXPECT_EQ(functions_after_fold({lang(Lang::kPython, "create_connection", "/usr/lib/python3.11/socket.py"),
                                  lang(Lang::kPython, "_call", "<frozen importlib._bootstrap>"),
                                  lang(Lang::kPython, "connect", "/venv/lib/python3.11/site-packages/redis/c.py"),
                                  lang(Lang::kPython, "connect_cache", "/srv/leak.py")}),
            (V{"connect", "connect_cache"}));
  EXPECT_EQ(functions_after_fold({lang(Lang::kPython, "open", "/usr/local/lib/python3.12/tempfile.py"),
                                  lang(Lang::kPython, "make_tmp", "/srv/leak.py")}),
            (V{"make_tmp"}));
}

TEST(FoldRuntimeFrames, PerfMapNamedProgramFrameStartsANativeSite) {
  ReportFrame jit_runtime, jit_program;
  jit_runtime.function = "JS:~openSync node:fs:581:16";
  jit_program.function = "JS:~readConfig /srv/app.js:23:25";
  EXPECT_EQ(functions_after_fold({native("/usr/bin/node", "uv_fs_open"), jit_runtime, jit_program,
                                  native("/usr/bin/node", "Builtins_X")}),
            (V{"JS:~readConfig /srv/app.js:23:25", "Builtins_X"}));
}

}  // namespace
}  // namespace fdscope::tool
