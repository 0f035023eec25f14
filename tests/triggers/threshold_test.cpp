// threshold=N and threshold=P%: a dump when the tracked count reaches the
// threshold, re-armed a tenth of the soft limit higher each time; max_dumps
// bounds them; threshold=0 disables; action=abort dumps and then aborts.
#include <signal.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "trigger_util.h"

using fdscope::test::Dump;
using fdscope::test::read_dump_file;
using fdscope::test::TempDir;
using namespace triggers;

namespace {

// leak_program with RLIMIT_NOFILE soft 200 (a tenth: 20), leaking into
// tmp/data, dumping to tmp/dump.jsonl unless the options say otherwise.
Result run_leaker(const TempDir& tmp, const std::string& options,
                  const std::vector<std::string>& steps, unsigned long soft = 200) {
  mkdir(tmp.join("data").c_str(), 0755);
  ChildSpec spec;
  spec.argv = {program("leak_program"), tmp.join("data")};
  spec.argv.insert(spec.argv.end(), steps.begin(), steps.end());
  spec.options = options;
  spec.env["TMPDIR"] = tmp.path();
  spec.nofile_soft = soft;
  return run(spec);
}

std::string dump_opts(const TempDir& tmp, const std::string& more) {
  return "output=" + tmp.join("dump.jsonl") + ":" + more;
}

// The descriptor numbers the program printed for lines starting with `word`.
std::vector<int> printed_fds(const std::string& out, const std::string& word) {
  std::vector<int> fds;
  for (const std::string& l : lines_with(out, word + " fd="))
    fds.push_back(std::stoi(l.substr(l.find("fd=") + 3)));
  return fds;
}

std::vector<int> tracked_fds(const Dump& d) {
  std::vector<int> out;
  for (const auto* e : d.tracked()) out.push_back(e->fd);
  return out;
}

std::vector<int> range(int first, int count) {
  std::vector<int> v;
  for (int i = 0; i < count; ++i) v.push_back(first + i);
  return v;
}

}  // namespace

// The dump happens inside the call that makes the count N, and lists what
// is open at that instant: the listener, the sockets and the files, each
// with its creating function, and the untracked standard descriptors.
TEST(Threshold, DumpsWhenTheCountReachesN) {
  TempDir tmp;
  // 1 listener + 4 sockets + 5 files = 10 tracked at the fifth file.
  Result r = run_leaker(tmp, "threshold=10", {"listen", "sockets:4", "files:5", "files:3"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  ASSERT_EQ(printed_fds(r.out, "file").size(), 8u) << r.describe();

  // The default output: $TMPDIR/fdscope.<pid>.jsonl.
  const std::string path = tmp.join("fdscope." + std::to_string(r.pid) + ".jsonl");
  std::vector<Dump> dumps = read_dump_file(path);
  ASSERT_EQ(dumps.size(), 1u);
  const Dump& d = dumps[0];
  expect_consistent(d);
  EXPECT_EQ(d.reason, "threshold");
  EXPECT_EQ(d.seq, 1);
  EXPECT_EQ(d.pid, r.pid);
  EXPECT_FALSE(d.header.contains("trigger"));
  EXPECT_EQ(d.header.at("tracked").get<int>(), 10);
  EXPECT_EQ(d.header.at("open").get<int>(), 13);  // and 0, 1, 2
  EXPECT_EQ(d.header.at("rlimit_soft").get<int>(), 200);
  EXPECT_EQ(tracked_fds(d), range(3, 10));
  for (int fd : {0, 1, 2}) {
    ASSERT_NE(d.find(fd), nullptr) << fd;
    EXPECT_FALSE(d.find(fd)->tracked) << fd;
  }

  const std::string listen_line = lines_with(r.out, "listen fd=3 port=").at(0);
  const std::string port = listen_line.substr(listen_line.find("port=") + 5);
  const auto* listener = d.find(3);
  EXPECT_EQ(listener->kind, "socket");
  EXPECT_EQ(listener->call, "socket");
  EXPECT_EQ(listener->target, "tcp 127.0.0.1:" + port + " (listening)");
  EXPECT_TRUE(stack_names(d, listener->stack, "start_db_listener")) << d.describe_stack(listener->stack);

  auto sockets = created_in(d, "leak_socket_to_db");
  ASSERT_EQ(sockets.size(), 4u);
  for (const auto* e : sockets) {
    EXPECT_EQ(e->kind, "socket");
    EXPECT_EQ(e->call, "socket");
    EXPECT_TRUE(e->target.starts_with("tcp 127.0.0.1:")) << e->target;
    EXPECT_TRUE(e->target.ends_with(" -> 127.0.0.1:" + port)) << e->target;
    EXPECT_TRUE(stack_names(d, e->connect_stack, "leak_socket_to_db"))
        << d.describe_stack(e->connect_stack);
  }
  auto files = created_in(d, "open_log_file");
  ASSERT_EQ(files.size(), 5u);
  std::vector<int> file_fds;
  for (const auto* e : files) {
    file_fds.push_back(e->fd);
    EXPECT_EQ(e->kind, "file");
    EXPECT_EQ(e->call, "open");
    EXPECT_EQ(e->target, tmp.join("data/app.log"));
    EXPECT_TRUE(stack_names(d, e->stack, "main"));
  }
  // The first five files the program opened (it went on to open three more).
  std::vector<int> first_five = printed_fds(r.out, "file");
  first_five.resize(5);
  EXPECT_EQ(file_fds, first_five);

  // The log: one summary line and the sites, largest first.
  auto heads = lines_with(r.err, " dump ");
  ASSERT_EQ(heads.size(), 1u) << r.err;
  EXPECT_EQ(heads[0], "fdscope: pid " + std::to_string(r.pid) +
                          " dump 1 (threshold): 13 open of limit 200, 10 tracked -> " + path);
  EXPECT_EQ(lines_with(r.err, "5 x open_log_file (leak_program)").size(), 1u) << r.err;
  // Each site with its main target; the four connections (each from its
  // own local port) are one target: the listener's address.
  auto socket_site = lines_with(r.err, "4 x leak_socket_to_db (leak_program)");
  ASSERT_EQ(socket_site.size(), 1u) << r.err;
  EXPECT_EQ(socket_site[0], "fdscope: pid " + std::to_string(r.pid) +
                                ":   4 x leak_socket_to_db (leak_program)  tcp -> 127.0.0.1:" + port);
}

TEST(Threshold, OneBelowDoesNotDump) {
  TempDir tmp;
  Result r = run_leaker(tmp, dump_opts(tmp, "threshold=10"), {"listen", "sockets:4", "files:4"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_FALSE(std::filesystem::exists(tmp.join("dump.jsonl")));
  EXPECT_EQ(r.err, "");
}

// After a dump at N the next is at N + soft/10, then N + 2*soft/10...
TEST(Threshold, RearmsATenthOfTheSoftLimitHigher) {
  struct Case {
    int files;
    std::vector<int> dumped_at;
  };
  for (const Case& c : {Case{9, {}}, Case{10, {10}}, Case{29, {10}}, Case{30, {10, 30}},
                        Case{49, {10, 30}}, Case{50, {10, 30, 50}}}) {
    SCOPED_TRACE("files:" + std::to_string(c.files));
    TempDir tmp;
    Result r = run_leaker(tmp, dump_opts(tmp, "threshold=10:log=none"),
                          {"files:" + std::to_string(c.files)});
    ASSERT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.err, "");
    if (c.dumped_at.empty()) {
      EXPECT_FALSE(std::filesystem::exists(tmp.join("dump.jsonl")));
      continue;
    }
    std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
    ASSERT_EQ(dumps.size(), c.dumped_at.size());
    for (size_t i = 0; i < dumps.size(); ++i) {
      expect_consistent(dumps[i]);
      EXPECT_EQ(dumps[i].reason, "threshold");
      EXPECT_EQ(dumps[i].seq, (int)i + 1);
      EXPECT_EQ(dumps[i].header.at("tracked").get<int>(), c.dumped_at[i]);
      EXPECT_EQ(created_in(dumps[i], "open_log_file").size(), (size_t)c.dumped_at[i]);
      EXPECT_EQ(tracked_fds(dumps[i]), range(3, c.dumped_at[i]));
    }
  }
}

// threshold=10% of a soft limit of 200 is 20; re-armed at 40, 60...
TEST(Threshold, PercentOfTheSoftLimit) {
  for (auto [files, expected] : {std::pair<int, std::vector<int>>{19, {}},
                                 {20, {20}}, {45, {20, 40}}}) {
    SCOPED_TRACE("files:" + std::to_string(files));
    TempDir tmp;
    Result r = run_leaker(tmp, dump_opts(tmp, "threshold=10%:log=none"),
                          {"files:" + std::to_string(files)});
    ASSERT_TRUE(r.exited(0)) << r.describe();
    if (expected.empty()) {
      EXPECT_FALSE(std::filesystem::exists(tmp.join("dump.jsonl")));
      continue;
    }
    std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
    ASSERT_EQ(dumps.size(), expected.size());
    for (size_t i = 0; i < dumps.size(); ++i) {
      expect_consistent(dumps[i]);
      EXPECT_EQ(dumps[i].reason, "threshold");
      EXPECT_EQ(dumps[i].header.at("tracked").get<int>(), expected[i]);
      EXPECT_EQ(dumps[i].header.at("rlimit_soft").get<int>(), 200);
    }
  }
}

// The default, 80%, of a soft limit of 100: a dump at 80.
TEST(Threshold, DefaultIsEightyPercent) {
  TempDir tmp;
  Result r = run_leaker(tmp, dump_opts(tmp, "log=none"), {"files:85"}, 100);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
  ASSERT_EQ(dumps.size(), 1u);
  expect_consistent(dumps[0]);
  EXPECT_EQ(dumps[0].header.at("tracked").get<int>(), 80);
}

// Would dump at 10, 30, 50, 70 and 90: max_dumps=2 keeps the first two.
TEST(Threshold, MaxDumpsBoundsTheDumps) {
  TempDir tmp;
  Result r = run_leaker(tmp, dump_opts(tmp, "threshold=10:max_dumps=2"), {"files:90"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(printed_fds(r.out, "file").size(), 90u);
  std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
  ASSERT_EQ(dumps.size(), 2u);
  expect_consistent(dumps[0]);
  expect_consistent(dumps[1]);
  EXPECT_EQ(dumps[0].header.at("tracked").get<int>(), 10);
  EXPECT_EQ(dumps[1].header.at("tracked").get<int>(), 30);
  EXPECT_EQ(lines_with(r.err, " dump ").size(), 2u) << r.err;
}

// fdscope_dump() requests are the program's own: they do not use up the
// automatic dumps max_dumps allows.
TEST(Threshold, RequestsDoNotCountTowardsMaxDumps) {
  TempDir tmp;
  Result r = run_leaker(tmp, dump_opts(tmp, "threshold=10:max_dumps=1"),
                        {"request:3", "files:20"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(lines_with(r.out, "request rc=0").size(), 3u) << r.out;
  std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
  ASSERT_EQ(dumps.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(dumps[i].reason, "request");
  EXPECT_EQ(dumps[3].reason, "threshold");
  EXPECT_EQ(dumps[3].header.at("tracked").get<int>(), 10);
  EXPECT_EQ(dumps[3].seq, 4);
}

TEST(Threshold, MaxDumpsZeroMeansNone) {
  TempDir tmp;
  Result r = run_leaker(tmp, dump_opts(tmp, "threshold=10:max_dumps=0"), {"files:60"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_FALSE(std::filesystem::exists(tmp.join("dump.jsonl")));
  EXPECT_EQ(r.err, "");
}

// threshold=0 disables the trigger, whatever the count (150 of 200 here,
// past the default 80%).
TEST(Threshold, ZeroDisables) {
  TempDir tmp;
  Result r = run_leaker(tmp, "threshold=0", {"files:150"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(printed_fds(r.out, "file").size(), 150u);
  EXPECT_EQ(tmp.files(), std::vector<std::string>{"data"});
  EXPECT_EQ(r.err, "");
}

// action=abort: the dump is complete, then SIGABRT ends the process inside
// the call that reached the threshold (the tenth open never returns).
TEST(Threshold, ActionAbortDumpsThenAborts) {
  TempDir tmp;
  Result r = run_leaker(tmp, dump_opts(tmp, "threshold=10:action=abort"), {"files:20"});
  ASSERT_TRUE(r.killed_by(SIGABRT)) << r.describe();
  EXPECT_EQ(printed_fds(r.out, "file"), range(3, 9)) << r.describe();
  std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
  ASSERT_EQ(dumps.size(), 1u);
  const Dump& d = dumps[0];
  expect_consistent(d);
  EXPECT_EQ(d.reason, "threshold");
  EXPECT_EQ(d.pid, r.pid);
  EXPECT_EQ(d.header.at("tracked").get<int>(), 10);
  // The tenth descriptor, whose open() the abort cut short, is listed too.
  EXPECT_EQ(tracked_fds(d), range(3, 10));
  EXPECT_EQ(created_in(d, "open_log_file").size(), 10u);
  EXPECT_EQ(lines_with(r.err, "dump 1 (threshold)").size(), 1u) << r.err;
}

// stacks_from=N: descriptors created while fewer than N are open are
// tracked and counted, without a stack (the unwind is most of a create's
// cost); from N on each has its stack, so a leak, which keeps creating
// from one site, is still named. stacks_from=P% is of the soft limit.
TEST(StacksFrom, StacksOnlyFromTheLevelOn) {
  for (const std::string level : {"8", "4%"}) {  // 4% of 200 = 8
    TempDir tmp;
    Result r = run_leaker(tmp, dump_opts(tmp, "at_exit=1:threshold=0:stacks_from=" + level),
                          {"files:20"});
    ASSERT_TRUE(r.exited(0)) << r.describe();
    std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
    ASSERT_EQ(dumps.size(), 1u) << level;
    const Dump& d = dumps[0];
    expect_consistent(d);
    std::vector<int> files = printed_fds(r.out, "file");
    ASSERT_EQ(files.size(), 20u);
    int without = 0, with = 0;
    for (int fd : files) {
      const auto* e = d.find(fd);
      ASSERT_NE(e, nullptr) << fd;
      EXPECT_TRUE(e->tracked) << fd;
      if (e->stack == 0) {
        ++without;
        EXPECT_LT(fd, files[8]) << "only the first 8 lack a stack";
      } else {
        ++with;
        EXPECT_TRUE(stack_names(d, e->stack, "open_log_file")) << d.describe_stack(e->stack);
      }
    }
    EXPECT_EQ(without, 8) << level;
    EXPECT_EQ(with, 12) << level;
  }
}

TEST(StacksFrom, BadValuesKeepTheDefault) {
  TempDir tmp;
  Result r = run_leaker(tmp, dump_opts(tmp, "at_exit=1:threshold=0:stacks_from=101%"), {"files:3"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(lines_with(r.err, "stacks_from=101%").size(), 1u) << r.err;
  std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
  ASSERT_EQ(dumps.size(), 1u);
  for (int fd : printed_fds(r.out, "file")) EXPECT_NE(dumps[0].find(fd)->stack, 0u) << fd;
}
