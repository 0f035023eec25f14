// at_exit=1 with output=stderr: the exit dump is in the program's stderr,
// complete; its stdout is exactly its own.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "trigger_util.h"

using fdscope::test::Dump;
using fdscope::test::parse_dumps;
using fdscope::test::TempDir;
using namespace triggers;

TEST(AtExitStderr, DumpOnStderrStdoutUntouched) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.join("data"));
  ChildSpec spec;
  spec.argv = {program("leak_program"), tmp.join("data"), "say:hello", "files:2", "say:bye"};
  spec.options = "at_exit=1:output=stderr";
  spec.env["TMPDIR"] = tmp.path();
  Result r = run(spec);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, "hello\nfile fd=3\nfile fd=4\nbye\n");

  std::istringstream err(r.err);
  std::vector<Dump> dumps = parse_dumps(err, true);
  ASSERT_EQ(dumps.size(), 1u) << r.err;
  const Dump& d = dumps[0];
  expect_consistent(d);
  EXPECT_EQ(d.reason, "exit");
  EXPECT_EQ(d.pid, r.pid);
  EXPECT_EQ(d.header.at("tracked").get<int>(), 2);
  auto files = created_in(d, "open_log_file");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0]->fd, 3);
  EXPECT_EQ(files[1]->fd, 4);
  // Every stderr line is a dump line or the library's log.
  for (const std::string& l : lines(r.err))
    EXPECT_TRUE(l.starts_with("{\"type\":") || l.starts_with("fdscope: ")) << l;
  // The log names stderr as where the dump went.
  EXPECT_EQ(lines_with(r.err, "dump 1 (exit)").size(), 1u) << r.err;
  // Nothing was written to a file.
  EXPECT_EQ(tmp.files(), std::vector<std::string>{"data"});
}

// The same with log=none: stderr is the dump and nothing else.
TEST(AtExitStderr, LogNoneLeavesOnlyTheDump) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.join("data"));
  ChildSpec spec;
  spec.argv = {program("leak_program"), tmp.join("data"), "files:1"};
  spec.options = "at_exit=1:output=stderr:log=none";
  Result r = run(spec);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  std::istringstream err(r.err);
  std::vector<Dump> dumps = parse_dumps(err, false);  // no foreign line allowed
  ASSERT_EQ(dumps.size(), 1u);
  expect_consistent(dumps[0]);
  EXPECT_EQ(dumps[0].reason, "exit");
  EXPECT_EQ(dumps[0].header.at("tracked").get<int>(), 1);
}
