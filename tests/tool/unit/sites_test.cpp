// Grouping descriptors into call sites: by the language stack when there
// is one (tiers, inlining and interpreter paths must not split a site), by
// module and offset otherwise, with JIT runs as one token.
#include <gtest/gtest.h>

#include "analysis/sites.h"

namespace fdscope::tool {
namespace {

DumpFrame native(int module, uint64_t offset, const std::string& fn = "") {
  DumpFrame f;
  f.module = module;
  f.offset = offset;
  f.addr = 0x10000 + offset;
  f.function = fn;
  return f;
}

DumpFrame jit(uint64_t addr, const std::string& perf_name = "") {
  DumpFrame f;
  f.addr = addr;
  f.function = perf_name;
  return f;
}

DumpFrame js(const std::string& fn, const std::string& file, int line, int column, bool async = false) {
  DumpFrame f;
  f.lang = Lang::kJs;
  f.function = fn;
  f.file = file;
  f.line = line;
  f.column = column;
  f.async = async;
  return f;
}

DumpFd tracked(uint32_t stack, uint32_t lang_stack = 0, const std::string& target = "/tmp/x") {
  DumpFd fd;
  fd.tracked = true;
  fd.kind = "file";
  fd.call = "open";
  fd.target = target;
  fd.stack = stack;
  fd.lang_stack = lang_stack;
  return fd;
}

Dump dump_with_module(int id, const std::string& path, int64_t pid = 7) {
  Dump d;
  d.pid = pid;
  d.run = "r" + std::to_string(pid);
  d.modules[id] = DumpModule{path, 0x1000, ""};
  return d;
}

TEST(GroupSites, OneLanguageStackIsOneSiteWhateverTheNativeStacks) {
  Dump d = dump_with_module(0, "/usr/bin/node");
  d.stacks[1] = {native(0, 0x100, "uv_fs_open"), jit(0x7000, "JS:~openConfig")};
  d.stacks[2] = {native(0, 0x200, "uv_fs_open"), native(0, 0x300, "Builtins_Call")};
  d.stacks[5] = {js("openConfig", "/abs/leak.js", 3, 20), js("main", "/abs/leak.js", 9, 1)};
  d.fds = {tracked(1, 5), tracked(2, 5)};
  SiteReport r = group_sites({&d});
  ASSERT_EQ(r.sites.size(), 1u);
  const ReportSite& s = r.sites[0];
  EXPECT_EQ(s.count, 2);
  ASSERT_EQ(s.frames.size(), 4u);  // language frames, then the first native stack
  EXPECT_EQ(s.frames[0].function, "openConfig");
  EXPECT_EQ(s.frames[0].lang, Lang::kJs);
  EXPECT_EQ(s.frames[0].file, "/abs/leak.js");
  EXPECT_EQ(s.frames[0].line, 3);
  EXPECT_EQ(s.frames[0].column, 20);
  EXPECT_EQ(s.frames[1].function, "main");
  EXPECT_EQ(s.frames[2].function, "uv_fs_open");
  EXPECT_EQ(s.frames[2].module, "/usr/bin/node");
  EXPECT_FALSE(s.frames[2].is_lang());
}

TEST(GroupSites, DifferentLanguageStacksAreDifferentSites) {
  Dump d = dump_with_module(0, "/usr/bin/node");
  d.stacks[1] = {native(0, 0x100)};
  d.stacks[5] = {js("openConfig", "/abs/leak.js", 3, 20)};
  d.stacks[6] = {js("openConfig", "/abs/leak.js", 4, 20)};
  d.stacks[7] = {js("openConfig", "/abs/leak.js", 3, 20, true)};
  d.fds = {tracked(1, 5), tracked(1, 6), tracked(1, 7), tracked(1, 5), tracked(1)};
  SiteReport r = group_sites({&d});
  ASSERT_EQ(r.sites.size(), 4u);  // line 3, line 4, line 3 after an async hop, native only
  EXPECT_EQ(r.sites[0].count, 2);
  EXPECT_EQ(r.sites[0].frames[0].line, 3);
  EXPECT_FALSE(r.sites[0].frames[0].async);
}

TEST(GroupSites, NativeStacksByModulePathAndOffsetAcrossProcesses) {
  Dump a = dump_with_module(0, "/srv/app", 1);
  Dump b = dump_with_module(4, "/srv/app", 2);  // another process numbers modules otherwise
  a.stacks[1] = {native(0, 0x12a8, "connect_db")};
  a.stacks[2] = {native(0, 0x12ce, "connect_db")};
  b.stacks[8] = {native(4, 0x12a8, "connect_db")};
  a.fds = {tracked(1), tracked(2), tracked(1)};
  b.fds = {tracked(8)};
  SiteReport r = group_sites({&a, &b});
  EXPECT_EQ(r.dumps, 2);
  EXPECT_EQ(r.processes, 2);
  EXPECT_EQ(r.descriptors, 4);
  ASSERT_EQ(r.sites.size(), 2u);
  EXPECT_EQ(r.sites[0].count, 3);
  EXPECT_EQ(r.sites[0].frames[0].offset, 0x12a8u);
  EXPECT_EQ(r.sites[1].count, 1);
}

TEST(GroupSites, JitRunsAreOneTokenNamedWithoutTheirTier) {
  Dump d = dump_with_module(0, "/usr/bin/node");
  d.stacks[1] = {native(0, 0x100), jit(0x7000, "JS:~openConfig /a.js:3:20"), jit(0x7100)};
  d.stacks[2] = {native(0, 0x100), jit(0x9000, "JS:*openConfig /a.js:3:20"), native(0, 0x50, "Builtins_X")};
  d.stacks[3] = {native(0, 0x100), jit(0x9000, "JS:*readConfig /a.js:9:1")};
  d.fds = {tracked(1), tracked(2), tracked(3)};
  SiteReport r = group_sites({&d});
  ASSERT_EQ(r.sites.size(), 2u);
  EXPECT_EQ(r.sites[0].count, 2);
}

TEST(GroupSites, CountsKindsTargetsAgesAndUntracked) {
  Dump d = dump_with_module(0, "/srv/app");
  d.stacks[1] = {native(0, 0x10)};
  DumpFd a = tracked(1, 0, "tcp 127.0.0.1:5000 -> 10.0.0.5:3306");
  DumpFd b = tracked(1, 0, "tcp 127.0.0.1:5001 -> 10.0.0.5:3306");
  a.kind = b.kind = "socket";
  a.call = b.call = "socket";
  a.age_ms = 50;
  b.age_ms = 7;
  DumpFd untracked;
  d.fds = {a, b, untracked};
  SiteReport r = group_sites({&d});
  EXPECT_EQ(r.untracked, 1);
  ASSERT_EQ(r.sites.size(), 1u);
  const ReportSite& s = r.sites[0];
  EXPECT_EQ(s.kinds.at("socket"), 2);
  EXPECT_EQ(s.targets.at("tcp -> 10.0.0.5:3306"), 2);
  EXPECT_EQ(s.oldest_ms, 50);
  EXPECT_EQ(s.newest_ms, 7);
  EXPECT_EQ(s.calls, std::vector<std::string>{"socket"});
}

TEST(GroupSites, SitesSortedByCountLargestFirst) {
  Dump d = dump_with_module(0, "/srv/app");
  d.stacks[1] = {native(0, 0x10)};
  d.stacks[2] = {native(0, 0x20)};
  d.fds = {tracked(1), tracked(2), tracked(2), tracked(2), tracked(1), tracked(0)};
  SiteReport r = group_sites({&d});
  ASSERT_EQ(r.sites.size(), 3u);  // stack 0: no stack recorded, a site of its own
  EXPECT_EQ(r.sites[0].count, 3);
  EXPECT_EQ(r.sites[1].count, 2);
  EXPECT_EQ(r.sites[2].count, 1);
  EXPECT_TRUE(r.sites[2].frames.empty());
}

}  // namespace
}  // namespace fdscope::tool
