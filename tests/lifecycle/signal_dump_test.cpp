// The dump signal: with signal=SIG and output=PATH, raising it writes a
// complete dump with reason "signal" and the program carries on; signal=0
// leaves the signal alone; a handler the program installs (after the shim's
// constructor) or a disposition it inherits replaces the shim's.
#include <signal.h>
#include <unistd.h>

#include "lifecycle_util.h"

namespace {

using fdscope::test::Dump;

void check_signal_dump(const char* option, int signo) {
  fdscope::test::TempDir tmp;
  const std::string path = tmp.join("sig.jsonl");
  auto r = lifecycle::run_program({LIFECYCLE_HELPER, "raise", std::to_string(signo)},
                                  std::string("log=none:threshold=1000000:signal=") + option +
                                      ":output=" + path);
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(fdscope::test::describe_status(r.status), "exit 0") << r.out;
  EXPECT_FALSE(lifecycle::line_fields(r.out, "alive").empty()) << r.out;
  auto opened = lifecycle::line_fields(r.out, "opened");
  ASSERT_EQ(opened.size(), 2u) << r.out;
  auto listed = lifecycle::line_fields(r.out, "fds");
  std::set<int> helper_fds;
  for (size_t i = 1; i < listed.size(); ++i) helper_fds.insert(std::stoi(listed[i]));

  ASSERT_EQ(tmp.files(), std::vector<std::string>{"sig.jsonl"});
  auto dumps = fdscope::test::read_dump_file(path);
  ASSERT_EQ(dumps.size(), 1u);
  const Dump& d = dumps[0];
  ASSERT_TRUE(d.complete);
  EXPECT_EQ(d.reason, "signal");
  EXPECT_EQ(d.pid, r.pid);
  EXPECT_EQ(lifecycle::dump_fds(d), helper_fds);
  const auto* e = d.find(std::stoi(opened[1]));
  ASSERT_NE(e, nullptr);
  ASSERT_TRUE(e->tracked);
  EXPECT_TRUE(d.stack_has(e->stack, "helper_open_before_signal")) << d.describe_stack(e->stack);
}

TEST(LifecycleSignalDump, Sigusr2WritesACompleteDumpWithReasonSignal) { check_signal_dump("SIGUSR2", SIGUSR2); }

TEST(LifecycleSignalDump, OtherConfiguredSignalWritesTheDump) { check_signal_dump("USR1", SIGUSR1); }

TEST(LifecycleSignalDump, SignalZeroLeavesTheSignalsDefaultAction) {
  fdscope::test::TempDir tmp;
  auto r = lifecycle::run_program({LIFECYCLE_HELPER, "raise", std::to_string(SIGUSR2)},
                                  "log=none:threshold=1000000:signal=0:output=" + tmp.join("sig.jsonl"));
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(fdscope::test::describe_status(r.status),
            fdscope::test::describe_status(SIGUSR2));  // killed by it, as without the shim
  EXPECT_TRUE(tmp.files().empty());
}

TEST(LifecycleSignalDump, HandlerInstalledByTheProgramReplacesTheShims) {
  fdscope::test::TempDir tmp;
  auto r = lifecycle::run_program({LIFECYCLE_HELPER, "own-handler"},
                                  "log=none:threshold=1000000:signal=SIGUSR2:output=" +
                                      tmp.join("sig.jsonl"));
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(fdscope::test::describe_status(r.status), "exit 0") << r.out;
  EXPECT_EQ(lifecycle::line_fields(r.out, "handled"), (std::vector<std::string>{"handled", "2"}));
  EXPECT_TRUE(tmp.files().empty());
}

void ignore_sigusr2() { signal(SIGUSR2, SIG_IGN); }

TEST(LifecycleSignalDump, SignalIgnoredByTheParentStaysIgnored) {
  fdscope::test::TempDir tmp;
  auto r = lifecycle::run_program({LIFECYCLE_HELPER, "raise", std::to_string(SIGUSR2)},
                                  "log=none:threshold=1000000:signal=SIGUSR2:output=" +
                                      tmp.join("sig.jsonl"),
                                  std::chrono::seconds(8), ignore_sigusr2);
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(fdscope::test::describe_status(r.status), "exit 0") << r.out;
  EXPECT_FALSE(lifecycle::line_fields(r.out, "alive").empty());
  EXPECT_TRUE(tmp.files().empty());
}

}  // namespace
