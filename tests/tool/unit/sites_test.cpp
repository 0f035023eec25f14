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

// target: a literal (DumpFd keeps a view; a dump read from a file keeps its text).
DumpFd tracked(uint32_t stack, uint32_t lang_stack = 0, std::string_view target = "/tmp/x") {
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

DumpPeak peak_line(uint32_t stack, long peak, long open, int64_t time_ms, uint32_t native = 0) {
  DumpPeak p;
  p.stack = stack;
  p.native_stack = native;
  p.peak = peak;
  p.open = open;
  p.call = "open64";
  p.time_ms = time_ms;
  return p;
}

TEST(GroupSitesPeak, PeakLinesGiveSitesThatHoldNothingAtTheDump) {
  Dump d = dump_with_module(0, "/usr/bin/python3");
  d.reason = "exit";
  d.stacks[1] = {native(0, 0x10, "os_open")};
  d.stacks[2] = {native(0, 0x20, "sock_initobj")};
  d.stacks[3] = {js("connect_all", "/abs/job.py", 8, 0)};
  d.stacks[3][0].lang = Lang::kPython;
  d.peaks = {peak_line(1, 30, 0, 1000), peak_line(3, 20, 0, 2000, 2)};
  SiteReport r = group_sites({&d});
  EXPECT_EQ(r.descriptors, 0);
  ASSERT_EQ(r.sites.size(), 2u);
  EXPECT_EQ(r.sites[0].count, 0);
  EXPECT_EQ(r.sites[0].peak, 30);
  EXPECT_EQ(r.sites[0].peak_time_ms, 1000);
  EXPECT_EQ(r.sites[0].calls, std::vector<std::string>{"open64"});
  EXPECT_EQ(r.sites[0].frames.at(0).function, "os_open");
  EXPECT_EQ(r.sites[1].peak, 20);
  ASSERT_EQ(r.sites[1].frames.size(), 2u) << "the language frames, then the native partner's";
  EXPECT_EQ(r.sites[1].frames[0].function, "connect_all");
  EXPECT_EQ(r.sites[1].frames[1].function, "sock_initobj");
  EXPECT_EQ(r.sites[1].processes, 1);
  EXPECT_EQ(r.sites[1].most_in_process, 0);
  EXPECT_TRUE(r.at_exit);
}

TEST(GroupSitesPeak, AnOpenSitesPeakIsItsLineOrElseWhatItHolds) {
  Dump d = dump_with_module(0, "/srv/app");
  d.stacks[1] = {native(0, 0x10)};
  d.stacks[2] = {native(0, 0x20)};
  d.fds = {tracked(1), tracked(1), tracked(1), tracked(1), tracked(2), tracked(2)};
  d.peaks = {peak_line(1, 9, 4, 1500)};
  SiteReport r = group_sites({&d});
  ASSERT_EQ(r.sites.size(), 2u);
  EXPECT_EQ(r.sites[0].count, 4);
  EXPECT_EQ(r.sites[0].peak, 9);
  EXPECT_EQ(r.sites[0].peak_time_ms, 1500);
  EXPECT_EQ(r.sites[1].count, 2);
  EXPECT_EQ(r.sites[1].peak, 2) << "no peak line: its peak is now";
  EXPECT_EQ(r.sites[1].peak_time_ms, 0);
}

TEST(GroupSitesPeak, APeakIsTheMostInOneProcessNotASumOverProcesses) {
  Dump a = dump_with_module(0, "/srv/app", 1), b = dump_with_module(0, "/srv/app", 2);
  a.stacks[1] = b.stacks[1] = {native(0, 0x10)};
  a.peaks = {peak_line(1, 12, 0, 100)};
  b.peaks = {peak_line(1, 30, 0, 200)};
  SiteReport r = group_sites({&a, &b});
  ASSERT_EQ(r.sites.size(), 1u);
  EXPECT_EQ(r.sites[0].peak, 30);
  EXPECT_EQ(r.sites[0].peak_time_ms, 200);
  EXPECT_EQ(r.sites[0].pid, 2);
  EXPECT_EQ(r.sites[0].processes, 2);
}

TEST(GroupSitesStreams, StandardStreamsAreLeftOutUnlessAllFds) {
  Dump d = dump_with_module(0, "/bin/bash");
  d.stacks[1] = {native(0, 0x10, "do_redirection")};
  DumpFd out = tracked(1), high = tracked(1), inherited;
  out.fd = 1;
  out.call = "dup2";
  high.fd = 255;
  inherited.fd = 0;
  d.fds = {out, high, inherited};
  SiteReport r = group_sites({&d});
  EXPECT_EQ(r.descriptors, 1);
  EXPECT_EQ(r.standard_streams, 1);
  EXPECT_EQ(r.untracked, 1) << "an untracked stdin stays untracked";
  ASSERT_EQ(r.sites.size(), 1u);
  EXPECT_EQ(r.sites[0].count, 1);
  SiteReport all = group_sites({&d}, GroupOptions{true});
  EXPECT_EQ(all.descriptors, 2);
  EXPECT_EQ(all.standard_streams, 0);
  EXPECT_EQ(all.sites.at(0).count, 2);
}

TEST(GroupSitesProcesses, ManyInOneProcessLooksMoreLikeALeakThanOneInEach) {
  std::vector<Dump> dumps;
  for (int pid = 10; pid < 16; ++pid) {
    Dump d = dump_with_module(0, "/bin/bash", pid);
    d.exe = "/usr/bin/bash";
    d.stacks[1] = {native(0, 0x10, "move_to_high_fd")};
    d.fds = {tracked(1)};
    d.tracked_peak = 2;
    dumps.push_back(d);
  }
  Dump py = dump_with_module(0, "/usr/bin/python3.11", 42);
  py.exe = "/usr/bin/python3.11";
  py.stacks[1] = {native(0, 0x99, "os_open")};
  py.fds = {tracked(1), tracked(1), tracked(1), tracked(1), tracked(1)};
  py.tracked_peak = 50;
  dumps.push_back(py);
  std::vector<const Dump*> ptrs;
  for (const Dump& d : dumps) ptrs.push_back(&d);
  SiteReport r = group_sites(ptrs);
  ASSERT_EQ(r.sites.size(), 2u);
  const ReportSite& bash = r.sites[0];  // by count: 6 > 5
  const ReportSite& leak = r.sites[1];
  EXPECT_EQ(bash.count, 6);
  EXPECT_EQ(bash.processes, 6);
  EXPECT_EQ(bash.most_in_process, 1);
  EXPECT_EQ(bash.exes, (std::map<std::string, long>{{"bash", 6}}));
  EXPECT_EQ(leak.most_in_process, 5);
  EXPECT_EQ(leak.pid, 42);
  EXPECT_EQ(leak.exe, "python3.11");
  EXPECT_TRUE(looks_more_like_a_leak(leak, bash));
  EXPECT_FALSE(looks_more_like_a_leak(bash, leak));
  ASSERT_EQ(r.top_processes.size(), 5u);
  EXPECT_EQ(r.top_processes[0].pid, 42);
  EXPECT_EQ(r.top_processes[0].peak, 50);
  EXPECT_EQ(r.top_processes[0].descriptors, 5);
}

}  // namespace
}  // namespace fdscope::tool
