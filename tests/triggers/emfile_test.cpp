// on_emfile: a tracked call failing with EMFILE writes one complete dump per
// episode (header "trigger" naming the call), through the reserved
// descriptor, and the program sees the same results as without the library.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "trigger_util.h"

using fdscope::test::Dump;
using fdscope::test::read_dump_file;
using fdscope::test::TempDir;
using namespace triggers;

namespace {

constexpr unsigned long kLimit = 64;

// leak_program at soft = hard = 64, threshold off so only EMFILE dumps.
Result run_at_limit(const TempDir& tmp, const std::vector<std::string>& steps, bool preload = true,
                    const std::string& more = "") {
  std::filesystem::create_directories(tmp.join("data"));
  ChildSpec spec;
  spec.argv = {program("leak_program"), tmp.join("data")};
  spec.argv.insert(spec.argv.end(), steps.begin(), steps.end());
  spec.preload = preload;
  spec.options = "threshold=0:output=" + tmp.join("dump.jsonl") + more;
  spec.nofile_soft = kLimit;
  spec.nofile_hard = kLimit;
  return run(spec);
}

// Checks an EMFILE dump taken with the table full of open_log_file's
// descriptors: all of them listed, with 0, 1, 2 untracked.
void expect_full_table_dump(const Dump& d, const std::string& trigger, int leaked,
                            const std::string& log_path) {
  expect_consistent(d);
  EXPECT_EQ(d.reason, "emfile");
  ASSERT_TRUE(d.header.contains("trigger"));
  EXPECT_EQ(d.header.at("trigger"), trigger);
  EXPECT_EQ(d.header.at("rlimit_soft").get<unsigned long>(), kLimit);
  EXPECT_EQ(d.header.at("rlimit_hard").get<unsigned long>(), kLimit);
  EXPECT_EQ(d.header.at("tracked").get<int>(), leaked);
  EXPECT_EQ(d.header.at("open").get<int>(), leaked + 3);
  auto files = created_in(d, "open_log_file");
  EXPECT_EQ(files.size(), (size_t)leaked);
  std::set<int> numbers;
  for (const auto* e : files) {
    numbers.insert(e->fd);
    EXPECT_EQ(e->target, log_path);
    EXPECT_EQ(e->call, "open");
    EXPECT_GE(e->fd, 3);
    EXPECT_LT(e->fd, (int)kLimit);
  }
  EXPECT_EQ(numbers.size(), (size_t)leaked);
  for (int fd : {0, 1, 2}) {
    ASSERT_NE(d.find(fd), nullptr) << fd;
    EXPECT_FALSE(d.find(fd)->tracked);
  }
}

}  // namespace

// Without the library the program gets 61 descriptors (64 less 0, 1, 2);
// with it, 60: the library holds one in reserve (/dev/null) so that a dump
// can still open its files at the limit. The failing open() returns -1 with
// EMFILE, as do the retries, and only the first failure dumps.
TEST(Emfile, DumpsOnceAtTheLimitAndTheProgramSeesEmfile) {
  TempDir bare;
  Result without = run_at_limit(bare, {"fill", "retry:3"}, false);
  ASSERT_TRUE(without.exited(0)) << without.describe();
  EXPECT_EQ(lines(without.out).at(0), "filled 61 rc=-1 errno=EMFILE");
  EXPECT_FALSE(std::filesystem::exists(bare.join("dump.jsonl")));

  TempDir tmp;
  Result r = run_at_limit(tmp, {"fill", "retry:3"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out,
            "filled 60 rc=-1 errno=EMFILE\n"
            "retry rc=-1 errno=EMFILE\n"
            "retry rc=-1 errno=EMFILE\n"
            "retry rc=-1 errno=EMFILE\n");
  std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
  ASSERT_EQ(dumps.size(), 1u);
  expect_full_table_dump(dumps[0], "open", 60, tmp.join("data/app.log"));
  EXPECT_EQ(dumps[0].pid, r.pid);
  auto heads = lines_with(r.err, " dump ");
  ASSERT_EQ(heads.size(), 1u) << r.err;
  EXPECT_EQ(heads[0], "fdscope: pid " + std::to_string(r.pid) +
                          " dump 1 (emfile): 63 open of limit 64, 60 tracked -> " +
                          tmp.join("dump.jsonl"));
}

// After a dump, EMFILE dumps again only once the count fell a tenth of the
// limit (6 of 64) below the count at the dump: closing 3 and running out
// again is the same episode; closing 10 starts a new one.
TEST(Emfile, OneDumpPerEpisode) {
  TempDir tmp;
  Result r = run_at_limit(tmp, {"fill", "retry:2", "close:3", "fill", "close:10", "fill", "retry:2"},
                          true, ":log=none");
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out,
            "filled 60 rc=-1 errno=EMFILE\n"
            "retry rc=-1 errno=EMFILE\n"
            "retry rc=-1 errno=EMFILE\n"
            "closed 3, 57 open\n"
            "filled 3 rc=-1 errno=EMFILE\n"
            "closed 10, 50 open\n"
            "filled 10 rc=-1 errno=EMFILE\n"
            "retry rc=-1 errno=EMFILE\n"
            "retry rc=-1 errno=EMFILE\n");
  std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
  ASSERT_EQ(dumps.size(), 2u);
  EXPECT_EQ(dumps[0].seq, 1);
  EXPECT_EQ(dumps[1].seq, 2);
  expect_full_table_dump(dumps[0], "open", 60, tmp.join("data/app.log"));
  expect_full_table_dump(dumps[1], "open", 60, tmp.join("data/app.log"));
}

TEST(Emfile, OnEmfileZeroDisables) {
  TempDir tmp;
  Result r = run_at_limit(tmp, {"fill", "retry:1"}, true, ":on_emfile=0");
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, "filled 60 rc=-1 errno=EMFILE\nretry rc=-1 errno=EMFILE\n");
  EXPECT_FALSE(std::filesystem::exists(tmp.join("dump.jsonl")));
  EXPECT_EQ(r.err, "");
}

// The Lambda story: getaddrinfo fails with EAI_SYSTEM/EMFILE when its own
// open of /etc/hosts finds the table full. The table is filled with exactly
// as many descriptors as are free (counted with raw system calls, out of
// the library's sight), so the first failing call is getaddrinfo.
TEST(Emfile, GetaddrinfoFailureDumps) {
  TempDir tmp;
  Result r = run_at_limit(tmp, {"getaddrinfo", "fill-exact", "getaddrinfo"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out,
            "getaddrinfo rc=0 errno=-\n"
            "filled-exact 60\n"
            "getaddrinfo rc=EAI_SYSTEM errno=EMFILE\n");
  std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
  ASSERT_EQ(dumps.size(), 1u);
  expect_full_table_dump(dumps[0], "getaddrinfo", 60, tmp.join("data/app.log"));
}

TEST(Emfile, GetpwnamFailureDumps) {
  TempDir tmp;
  Result r = run_at_limit(tmp, {"fill-exact", "getpwnam"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, "filled-exact 60\ngetpwnam null errno=EMFILE\n");
  std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
  ASSERT_EQ(dumps.size(), 1u);
  expect_full_table_dump(dumps[0], "getpwnam", 60, tmp.join("data/app.log"));
}

// The reserved descriptor sits near the top of the soft limit, so the
// program's numbering is the same as without the library (3, 4, 5...),
// at small limits too.
TEST(Emfile, ReservedDescriptorDoesNotShiftNumbering) {
  for (unsigned long limit : {65ul, 64ul, 32ul}) {
    SCOPED_TRACE("RLIMIT_NOFILE " + std::to_string(limit));
    TempDir tmp;
    std::filesystem::create_directories(tmp.join("data"));
    ChildSpec spec;
    spec.argv = {program("leak_program"), tmp.join("data"), "files:3"};
    spec.options = "threshold=0:log=none";
    spec.nofile_soft = limit;
    spec.nofile_hard = limit;
    Result r = run(spec);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, "file fd=3\nfile fd=4\nfile fd=5\n");
  }
}
