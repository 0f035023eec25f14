// double_close: close() failing with EBADF on a descriptor the library saw
// closed is reported with the creating, first-closing and second-closing
// stacks (a "double_close" line in the dump output, lines in the log); the
// program's close() result is unchanged; a never-opened number is not a
// double close. A close records only its caller (closes are hot) until a
// descriptor of its site has been closed twice: the first report names the
// function that first closed it, the next one from that site its whole
// stack.
#include <signal.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "trigger_util.h"

using fdscope::test::TempDir;
using namespace triggers;

namespace {

Result run_double_close(const TempDir& tmp, const std::string& more, bool twice = false,
                        int rounds = 0) {
  write_text(tmp.join("config.ini"), "[x]\n");
  ChildSpec spec;
  spec.argv = {program("double_close_program"), tmp.join("config.ini")};
  if (twice) spec.argv.push_back("twice");
  if (rounds) spec.argv.push_back(std::to_string(rounds));
  spec.options = "output=" + tmp.join("dump.jsonl") + more;
  return run(spec);
}

// Function names of a double_close frame list, innermost first.
std::vector<std::string> functions(const nlohmann::json& frames) {
  std::vector<std::string> out;
  for (const auto& f : frames) out.push_back(f.value("function", "?"));
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// `whole_first_close`: the first close's whole stack, else its caller only.
void expect_report_line(const nlohmann::json& j, pid_t pid, bool whole_first_close = false) {
  EXPECT_EQ(j.at("type"), "double_close");
  EXPECT_EQ(j.at("pid").get<pid_t>(), pid);
  EXPECT_EQ(j.at("fd").get<int>(), 3);
  EXPECT_EQ(j.at("call"), "open");
  EXPECT_EQ(j.at("created").at("tid").get<pid_t>(), pid);
  EXPECT_EQ(j.at("first_close").at("tid").get<pid_t>(), pid);
  EXPECT_EQ(j.at("second_close").at("tid").get<pid_t>(), pid);
  auto created = functions(j.at("created").at("frames"));
  auto first = functions(j.at("first_close").at("frames"));
  auto second = functions(j.at("second_close").at("frames"));
  EXPECT_TRUE(has(created, "open_config")) << j.dump();
  if (whole_first_close) {
    EXPECT_TRUE(has(first, "cleanup")) << j.dump();
    EXPECT_FALSE(has(first, "cleanup_again")) << j.dump();
    EXPECT_TRUE(has(first, "main")) << j.dump();
    EXPECT_FALSE(j.at("first_close").contains("caller_only")) << j.dump();
  } else {
    EXPECT_EQ(first, std::vector<std::string>{"cleanup"}) << j.dump();
    EXPECT_EQ(j.at("first_close").value("caller_only", false), true) << j.dump();
  }
  EXPECT_TRUE(has(second, "cleanup_again")) << j.dump();
  EXPECT_FALSE(has(second, "cleanup")) << j.dump();
  for (const auto* list : {&created, &second}) EXPECT_TRUE(has(*list, "main")) << j.dump();
  // Frames name their module by path in this line.
  EXPECT_EQ(j.at("second_close").at("frames").at(0).at("module"), program("double_close_program"))
      << j.dump();
}

}  // namespace

TEST(DoubleClose, ReportedWithBothStacks) {
  TempDir tmp;
  Result r = run_double_close(tmp, "");
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out,
            "first fd=3 rc=0 errno=0\n"
            "second fd=3 rc=-1 errno=EBADF\n"
            "never-opened fd=999 rc=-1 errno=EBADF\n");
  // One line, the report; the close(999) is not one.
  auto reports = json_lines(tmp.join("dump.jsonl"));
  ASSERT_EQ(reports.size(), 1u);
  expect_report_line(reports[0], r.pid);

  auto heads = lines_with(r.err, "double close of fd");
  ASSERT_EQ(heads.size(), 1u) << r.err;
  EXPECT_TRUE(heads[0].starts_with("fdscope: pid " + std::to_string(r.pid) +
                                   ": double close of fd 3 by tid " + std::to_string(r.pid) +
                                   " (first closed by tid " + std::to_string(r.pid) + ", "))
      << heads[0];
  auto again = lines_with(r.err, "closed again at: ");
  ASSERT_EQ(again.size(), 1u) << r.err;
  EXPECT_NE(again[0].find("closed again at: cleanup_again (double_close_program) < double_close "
                          "(double_close_program) < main"), std::string::npos) << again[0];
  auto first = lines_with(r.err, "first closed at: ");
  ASSERT_EQ(first.size(), 1u) << r.err;
  EXPECT_NE(first[0].find("first closed at: cleanup (double_close_program) (the caller only; the "
                          "next double close from this site shows the whole stack)"),
            std::string::npos)
      << first[0];
  auto created = lines_with(r.err, "created by open at: ");
  ASSERT_EQ(created.size(), 1u) << r.err;
  EXPECT_NE(created[0].find("open_config (double_close_program) < double_close (double_close_program) < main"), std::string::npos) << created[0];
  EXPECT_EQ(lines_with(r.err, "999").size(), 0u) << r.err;
}

TEST(DoubleClose, TheSecondReportOfASiteHasTheWholeFirstCloseStack) {
  TempDir tmp;
  Result r = run_double_close(tmp, "", true);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out,
            "first fd=3 rc=0 errno=0\n"
            "second fd=3 rc=-1 errno=EBADF\n"
            "first fd=3 rc=0 errno=0\n"
            "second fd=3 rc=-1 errno=EBADF\n"
            "never-opened fd=999 rc=-1 errno=EBADF\n");
  auto reports = json_lines(tmp.join("dump.jsonl"));
  ASSERT_EQ(reports.size(), 2u);
  expect_report_line(reports[0], r.pid, false);
  expect_report_line(reports[1], r.pid, true);
  auto first = lines_with(r.err, "first closed at: ");
  ASSERT_EQ(first.size(), 2u) << r.err;
  EXPECT_NE(first[1].find("first closed at: cleanup (double_close_program) < double_close "
                          "(double_close_program) < main"),
            std::string::npos)
      << first[1];
}

// A loop (bash closes each pipe of a pipeline twice) is reported like a
// sanitizer's error: its context twice (the caller only, then the whole
// first close), and the rest counted in one line at exit.
TEST(DoubleClose, ALoopIsReportedOnceForEachContext) {
  TempDir tmp;
  Result r = run_double_close(tmp, "", false, 10);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(lines_with(r.out, "second fd=3 rc=-1 errno=EBADF").size(), 10u) << r.out;
  auto reports = json_lines(tmp.join("dump.jsonl"));
  ASSERT_EQ(reports.size(), 2u);
  expect_report_line(reports[0], r.pid, false);
  expect_report_line(reports[1], r.pid, true);
  EXPECT_EQ(lines_with(r.err, "double close of fd 3").size(), 2u) << r.err;
  auto summary = lines_with(r.err, "more double close");
  ASSERT_EQ(summary.size(), 1u) << r.err;
  EXPECT_EQ(summary[0], "fdscope: pid " + std::to_string(r.pid) +
                            ": 8 more double closes from the same stacks as those reported were "
                            "not reported");
}

TEST(DoubleClose, OffReportsNothing) {
  TempDir tmp;
  Result r = run_double_close(tmp, ":double_close=off");
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out,
            "first fd=3 rc=0 errno=0\n"
            "second fd=3 rc=-1 errno=EBADF\n"
            "never-opened fd=999 rc=-1 errno=EBADF\n");
  EXPECT_FALSE(std::filesystem::exists(tmp.join("dump.jsonl")));
  EXPECT_EQ(r.err, "");
}

// abort: the report is written, then SIGABRT inside the second close().
TEST(DoubleClose, AbortAfterTheReport) {
  TempDir tmp;
  Result r = run_double_close(tmp, ":double_close=abort");
  ASSERT_TRUE(r.killed_by(SIGABRT)) << r.describe();
  EXPECT_EQ(r.out, "first fd=3 rc=0 errno=0\n");
  auto reports = json_lines(tmp.join("dump.jsonl"));
  ASSERT_EQ(reports.size(), 1u);
  expect_report_line(reports[0], r.pid);
  EXPECT_EQ(lines_with(r.err, "double close of fd 3").size(), 1u) << r.err;
}

// log=none silences the log lines; the output file still has the report.
TEST(DoubleClose, LogNoneKeepsTheOutputLine) {
  TempDir tmp;
  Result r = run_double_close(tmp, ":log=none");
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.err, "");
  auto reports = json_lines(tmp.join("dump.jsonl"));
  ASSERT_EQ(reports.size(), 1u);
  expect_report_line(reports[0], r.pid);
}

// log=FILE: the report's lines go to that file, as dump summaries do, and
// not to the program's stderr.
TEST(DoubleClose, LogFileGetsTheReportLines) {
  TempDir tmp;
  Result r = run_double_close(tmp, ":log=" + tmp.join("fdscope.log"));
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.err, "");
  std::string log = read_text(tmp.join("fdscope.log"));
  EXPECT_EQ(lines_with(log, "double close of fd 3").size(), 1u) << log;
  auto again = lines_with(log, "closed again at: ");
  ASSERT_EQ(again.size(), 1u) << log;
  EXPECT_NE(again[0].find("closed again at: cleanup_again (double_close_program) < double_close "
                          "(double_close_program) < main"),
            std::string::npos)
      << again[0];
}
