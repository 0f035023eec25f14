// A dump cut before its "end" line (the process died while writing, the
// disk filled) is detected as truncated by the test reader and by
// `fdscope report`.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "trigger_util.h"

using fdscope::test::Dump;
using fdscope::test::read_dump_file;
using fdscope::test::TempDir;
using namespace triggers;

namespace {

// A real dump: threshold=4 in leak_program.
std::string make_dump(const TempDir& tmp) {
  std::filesystem::create_directories(tmp.join("data"));
  ChildSpec spec;
  spec.argv = {program("leak_program"), tmp.join("data"), "files:4"};
  spec.options = "log=none:threshold=4:output=" + tmp.join("real.jsonl");
  Result r = run(spec);
  EXPECT_TRUE(r.exited(0)) << r.describe();
  return tmp.join("real.jsonl");
}

// Runs `fdscope report DUMP` (not preloaded).
Result run_report(const std::string& dump) {
  ChildSpec spec;
  spec.argv = {tool_path(), "report", dump};
  spec.preload = false;
  return run(spec);
}

int exit_code(const Result& r) {
  return !r.timed_out && WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
}

}  // namespace

TEST(TruncatedDump, ReaderAndReportSayTruncated) {
  TempDir tmp;
  const std::string real = make_dump(tmp);
  std::vector<std::string> all = lines(read_text(real));
  ASSERT_GE(all.size(), 3u);
  ASSERT_NE(all.back().find("\"type\":\"end\""), std::string::npos) << all.back();

  // The whole dump reads as complete, and the tool reports it.
  std::vector<Dump> whole = read_dump_file(real);
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_TRUE(whole[0].complete);
  Result ok = run_report(real);
  EXPECT_EQ(exit_code(ok), 0) << ok.describe();
  EXPECT_NE(ok.out.find("open_log_file"), std::string::npos) << ok.out;
  EXPECT_EQ(ok.err, "");

  // Cut before the end line.
  std::string cut;
  for (size_t i = 0; i + 1 < all.size(); ++i) cut += all[i] + "\n";
  const std::string truncated = tmp.join("truncated.jsonl");
  write_text(truncated, cut);

  std::vector<Dump> dumps = read_dump_file(truncated);
  ASSERT_EQ(dumps.size(), 1u);
  EXPECT_FALSE(dumps[0].complete);
  EXPECT_TRUE(dumps[0].end.is_null());
  EXPECT_EQ(dumps[0].fds.size(), whole[0].fds.size());

  Result t = run_report(truncated);
  EXPECT_EQ(exit_code(t), 1) << t.describe();
  auto said = lines_with(t.err, truncated);
  ASSERT_EQ(said.size(), 1u) << t.err;
  EXPECT_NE(said[0].find("truncated"), std::string::npos) << said[0];
  EXPECT_EQ(said[0], "fdscope report: " + truncated + ": dump 1 of pid " +
                         std::to_string(dumps[0].pid) + " is truncated (no \"end\" line)");

  // Cut in the middle of a line: still truncated, never complete.
  write_text(truncated, cut + all.back().substr(0, all.back().size() / 2));
  std::vector<Dump> half = read_dump_file(truncated, true);
  ASSERT_EQ(half.size(), 1u);
  EXPECT_FALSE(half[0].complete);
  EXPECT_EQ(exit_code(run_report(truncated)), 1);
}
