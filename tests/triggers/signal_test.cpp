// signal: SIGUSR2 by default dumps and the process goes on, even when the
// program resets the signal to its default (signal(), sigaction(), Node.js
// at start-up); a handler the program installs takes precedence; signal=0
// leaves the signal alone.
#include <signal.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "trigger_util.h"

using fdscope::test::Dump;
using fdscope::test::read_dump_file;
using fdscope::test::TempDir;
using namespace triggers;

namespace {

Result run_signal_program(const TempDir& tmp, const std::string& mode, const std::string& more = "") {
  ChildSpec spec;
  spec.argv = {program("signal_program"), tmp.path(), mode};
  spec.options = "log=none:output=" + tmp.join("dump.jsonl") + more;
  return run(spec);
}

void expect_one_signal_dump(const TempDir& tmp, const Result& r) {
  std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
  ASSERT_EQ(dumps.size(), 1u);
  const Dump& d = dumps[0];
  expect_consistent(d);
  EXPECT_EQ(d.reason, "signal");
  EXPECT_EQ(d.pid, r.pid);
  EXPECT_EQ(d.header.at("tracked").get<int>(), 2);
  auto files = created_in(d, "open_log_file");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0]->fd, 3);
  EXPECT_EQ(files[1]->fd, 4);
  for (const auto* e : files) EXPECT_EQ(e->target, tmp.join("app.log"));
}

}  // namespace

TEST(SignalTrigger, DefaultSigusr2Dumps) {
  TempDir tmp;
  Result r = run_signal_program(tmp, "untouched");
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, "disposition default\nalive handler_calls=0\n");
  expect_one_signal_dump(tmp, r);
}

TEST(SignalTrigger, SignalSigDflKeepsTheDumpHandler) {
  TempDir tmp;
  Result r = run_signal_program(tmp, "signal-dfl");
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, "disposition default\nalive handler_calls=0\n");
  expect_one_signal_dump(tmp, r);
}

// The program is told the old action was the default, and sees the default
// installed afterwards: the library's handler stands in for it.
TEST(SignalTrigger, SigactionSigDflKeepsTheDumpHandler) {
  TempDir tmp;
  Result r = run_signal_program(tmp, "sigaction-dfl");
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, "old default\ndisposition default\nalive handler_calls=0\n");
  expect_one_signal_dump(tmp, r);
}

TEST(SignalTrigger, ProgramHandlerTakesPrecedence) {
  TempDir tmp;
  Result r = run_signal_program(tmp, "own-handler");
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, "disposition handler\nalive handler_calls=1\n");
  EXPECT_FALSE(std::filesystem::exists(tmp.join("dump.jsonl")));
  EXPECT_EQ(r.err, "");
}

// signal=0: SIGUSR2 keeps its default action, which terminates.
TEST(SignalTrigger, ZeroDisables) {
  TempDir tmp;
  Result r = run_signal_program(tmp, "untouched", ":signal=0");
  ASSERT_TRUE(r.killed_by(SIGUSR2)) << r.describe();
  EXPECT_EQ(r.out, "disposition default\n");
  EXPECT_FALSE(std::filesystem::exists(tmp.join("dump.jsonl")));
}

// Another dump signal: SIGUSR2 is then the program's business again.
TEST(SignalTrigger, OtherSignalLeavesSigusr2Alone) {
  TempDir tmp;
  Result r = run_signal_program(tmp, "untouched", ":signal=SIGUSR1");
  ASSERT_TRUE(r.killed_by(SIGUSR2)) << r.describe();
  EXPECT_FALSE(std::filesystem::exists(tmp.join("dump.jsonl")));
}

// Node.js walks every signal at start-up to reset inherited dispositions
// (node.cc ResetSignalHandlers; Node 20 asks sigaction for the old action
// first and keeps a handler a preloaded library installed). The dump
// handler survives it, and Node keeps running after the dump.
TEST(SignalTrigger, NodeSigusr2Dumps) {
  if (node_path().empty()) GTEST_SKIP() << "node not found at configure time";
  TempDir tmp;
  const std::string script =
      "const fs = require('fs');"
      "for (let i = 0; i < 3; i++) fs.openSync('" + tmp.path() + "/leak' + i + '.txt', 'w');"
      "process.kill(process.pid, 'SIGUSR2');"
      "setTimeout(() => console.log('alive'), 300);";
  ChildSpec spec;
  spec.argv = {node_path(), "-e", script};
  spec.options = "log=none:output=" + tmp.join("dump.jsonl");
  Result r = run(spec);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, "alive\n");
  std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
  ASSERT_EQ(dumps.size(), 1u);
  const Dump& d = dumps[0];
  expect_consistent(d);
  EXPECT_EQ(d.reason, "signal");
  EXPECT_EQ(d.pid, r.pid);
  for (int i = 0; i < 3; ++i) {
    const std::string target = tmp.path() + "/leak" + std::to_string(i) + ".txt";
    int found = 0;
    for (const auto* e : d.tracked())
      if (e->target == target) {
        ++found;
        EXPECT_EQ(e->kind, "file");
        EXPECT_NE(e->stack, 0u);
        EXPECT_FALSE(d.frames(e->stack).empty());
      }
    EXPECT_EQ(found, 1) << target;
  }
}
