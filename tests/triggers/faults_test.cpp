// Faults around the host: the host behaves as without the library, loses
// no data, and a dump the library could not finish is never taken for a
// whole one.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "trigger_util.h"

using fdscope::test::Dump;
using fdscope::test::read_dump_file;
using fdscope::test::TempDir;
using namespace triggers;

namespace {

ChildSpec leak(const TempDir& tmp, std::vector<std::string> steps, const std::string& options) {
  std::filesystem::create_directories(tmp.join("data"));
  ChildSpec spec;
  spec.argv = {program("leak_program"), tmp.join("data")};
  spec.argv.insert(spec.argv.end(), steps.begin(), steps.end());
  spec.options = options;
  return spec;
}

// The same program without the library: the output to compare with.
Result plain(ChildSpec spec) {
  spec.preload = false;
  spec.options.reset();
  return run(spec);
}

off_t size_of(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

}  // namespace

// SIGKILL while a large dump is being written: the file holds a dump
// without its end line, and both readers call it truncated.
TEST(Faults, KilledMidDumpIsReportedTruncatedNeverWhole) {
#if defined(__SANITIZE_THREAD__)
  // TSan runs a signal's handler only once the program leaves its blocking
  // call: the dump starts when the test lets the program go, not while it
  // waits to be killed.
  GTEST_SKIP() << "ThreadSanitizer defers the dump signal past the program's wait";
#endif
  int cut = 0;
  for (int attempt = 0; attempt < 5 && cut == 0; ++attempt) {
    TempDir tmp;
    const std::string out = tmp.join("d.jsonl");
    ChildSpec spec = leak(tmp, {"files:15000", "say:opened", "wait"},
                          "threshold=0:log=none:output=" + out);
    spec.nofile_soft = 20000;
    Child child(spec);
    ASSERT_TRUE(child.wait_for_output("opened\n", std::chrono::seconds(30)));
    child.signal(SIGUSR2);
    // The first 64 KiB buffer is out: the dump is under way.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (size_of(out) < 64 * 1024 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    child.signal(SIGKILL);
    Result r = child.finish();
    ASSERT_TRUE(r.killed_by(SIGKILL)) << r.describe();
    // The last line may be cut mid-object: look at the text.
    const std::string text = read_text(out);
    ASSERT_EQ(lines_with(text, "\"type\":\"header\"").size(), 1u);
    if (!lines_with(text, "\"type\":\"end\"").empty()) continue;  // the dump won: again
    ++cut;
    ChildSpec report;
    report.argv = {tool_path(), "report", out};
    report.preload = false;
    Result rep = run(report);
    EXPECT_TRUE(rep.exited(1)) << rep.describe();
    EXPECT_NE(rep.err.find("truncated"), std::string::npos) << rep.err;
  }
  EXPECT_EQ(cut, 1) << "no attempt killed the process while its dump was being written";
}

// A static binary exec'd from a preloaded shell: no loader, so no library;
// it runs, prints and exits as it would.
TEST(Faults, StaticBinaryExecdFromAPreloadedShellRunsAsWithout) {
  TempDir tmp;
  ChildSpec spec;
  spec.argv = {"/bin/sh", "-c", program("static_program") + " 7 two; echo status $?"};
  spec.options = "at_exit=1:output=" + tmp.join("d.%p.jsonl");
  Result under = run(spec);
  Result without = plain(spec);
  ASSERT_TRUE(under.exited(0)) << under.describe();
  EXPECT_EQ(under.out, "arg 7\narg two\nstatus 7\n");
  EXPECT_EQ(under.out, without.out);
  EXPECT_EQ(lines_with(under.err, "fdscope").size(), lines(under.err).size()) << under.err;
}

// A daemon closes every descriptor (closefrom(3)), the library's reserve
// too, then execs itself: the library gives its own up without a word,
// numbering stays as without it, and the new image dumps whole.
TEST(Faults, CloseEverythingThenExecKeepsNumberingAndDumps) {
  TempDir tmp;
  ChildSpec spec = leak(tmp, {"files:2", "closeall", "files:1", "exec", "files:3"},
                        "threshold=0:at_exit=1:log=none:output=" + tmp.join("d.%p.jsonl"));
  Result under = run(spec);
  Result without = plain(spec);
  ASSERT_TRUE(under.exited(0)) << under.describe();
  EXPECT_EQ(under.out, without.out);
  EXPECT_EQ(under.out, "file fd=3\nfile fd=4\nclosed all\nfile fd=3\nfile fd=4\nfile fd=5\nfile fd=6\n");
  EXPECT_EQ(under.err, "");
  std::vector<Dump> dumps = read_dump_file(tmp.join("d." + std::to_string(under.pid) + ".jsonl"));
  ASSERT_EQ(dumps.size(), 1u);
  EXPECT_TRUE(dumps[0].complete);
  // fd 3 came through the exec untracked; 4-6 are the new image's.
  EXPECT_EQ(created_in(dumps[0], "open_log_file").size(), 3u);
  ASSERT_NE(dumps[0].find(3), nullptr);
  EXPECT_FALSE(dumps[0].find(3)->tracked);
}

// The program lowers its limit below the reserve, runs out, then raises
// it: the same descriptors and EMFILE as without the library, the EMFILE
// dump is written at the lowered limit, and more files open after.
TEST(Faults, LimitLoweredThenRaisedAtRunTime) {
  TempDir tmp;
  const std::string out = tmp.join("d.jsonl");
  ChildSpec spec = leak(tmp, {"rlimit:64", "fill", "rlimit:200", "files:3"},
                        "threshold=0:log=none:output=" + out);
  spec.nofile_soft = 1024;
  Result under = run(spec);
  Result without = plain(spec);
  ASSERT_TRUE(under.exited(0)) << under.describe();
  EXPECT_EQ(under.out, without.out);
  EXPECT_EQ(lines(under.out).at(1), "filled 61 rc=-1 errno=EMFILE");
  std::vector<Dump> dumps = read_dump_file(out);
  ASSERT_EQ(dumps.size(), 1u);
  EXPECT_TRUE(dumps[0].complete);
  EXPECT_EQ(dumps[0].reason, "emfile");
  EXPECT_EQ(dumps[0].header.at("rlimit_soft").get<int>(), 64);
  EXPECT_EQ(created_in(dumps[0], "open_log_file").size(), 61u);
}

// vfork + exec, 300 times, while another thread opens and closes: every
// child runs, and the parent's table is its own (the children, running in
// its memory until they exec, change nothing in it).
TEST(Faults, VforkExecStormWhileAnotherThreadChurns) {
  TempDir tmp;
  ChildSpec spec = leak(tmp, {"files:2", "vfork:300", "files:1"},
                        "threshold=0:at_exit=1:log=none:output=" + tmp.join("d.%p.jsonl"));
  Result under = run(spec, std::chrono::seconds(60));
  ASSERT_TRUE(under.exited(0)) << under.describe();
  EXPECT_EQ(under.out, "file fd=3\nfile fd=4\nvfork 300 ok 300\nfile fd=5\n");
  std::vector<Dump> dumps = read_dump_file(tmp.join("d." + std::to_string(under.pid) + ".jsonl"));
  ASSERT_EQ(dumps.size(), 1u);
  EXPECT_TRUE(dumps[0].complete);
  EXPECT_EQ(created_in(dumps[0], "open_log_file").size(), 3u);
  EXPECT_EQ(dumps[0].tracked().size(), 3u) << "nothing of the churn or the children is left";
}
