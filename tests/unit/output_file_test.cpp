// The dump output file and the reserve under injected OS failures (the OS
// seam, platform/sys.h): names that exist get the next suffix, a directory
// that refuses the file gives its error and the name tried, and at the
// descriptor limit the reserve is given up, or the soft limit raised, so
// that the dump still gets its file, and everything is put back after.
#include "dump/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "platform/own_fds.h"
#include "platform/reserve_fd.h"
#include "platform/sys.h"

namespace fdscope {
namespace {

std::vector<std::string> g_tried;
int g_emfile_left = 0;
long g_fail = 0;  // -errno for every attempt to create, 0: none
std::string g_fail_under;  // when set, only paths under it fail
rlimit g_limit{1024, 4096};
std::vector<int> g_closed;

long fake_openat(int, const char* path, int flags, int) {
  std::string p = path;
  if (p == "/dev/null") return 1023;  // the reserve, at the top slot
  g_tried.push_back(p);
  if (g_emfile_left > 0) return --g_emfile_left, -EMFILE;
  if (g_fail && p.rfind(g_fail_under, 0) == 0) return g_fail;
  // The plain name and ".1" exist (regular files); ".2" is free.
  if ((flags & O_EXCL) && (p.ends_with("dump.jsonl") || p.ends_with("dump.jsonl.1"))) return -EEXIST;
  if (!(flags & O_CREAT)) return -ENOENT;
  return 42;
}
long fake_memfd(const char*) { return 1023; }  // the reserve, at the top slot
long fake_close(int fd) {
  g_closed.push_back(fd);
  return 0;
}
long fake_getrlimit(rlimit* l) {
  *l = g_limit;
  return 0;
}
long fake_setrlimit(const rlimit* l) {
  g_limit = *l;
  return 0;
}

class OutputFile : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = sys::ops;
    sys::ops.openat = fake_openat;
    sys::ops.close = fake_close;
    sys::ops.memfd = fake_memfd;
    sys::ops.getrlimit_nofile = fake_getrlimit;
    sys::ops.setrlimit_nofile = fake_setrlimit;
    g_tried.clear();
    g_closed.clear();
    g_emfile_left = 0;
    g_fail = 0;
    g_fail_under.clear();
    g_limit = {1024, 4096};
    output_after_fork();  // no file chosen yet
  }
  void TearDown() override {
    drop_own_fd(1023);
    sys::ops = saved_;
    unsetenv("FDSCOPE_OPTIONS");
    load_options();
  }
  void use_output(const std::string& tmpl) {
    setenv("FDSCOPE_OPTIONS", ("output=" + tmpl).c_str(), 1);
    load_options();
  }
  sys::Ops saved_;
};

TEST_F(OutputFile, ExistingNamesGetTheNextSuffix) {
  use_output("/d/dump.jsonl");
  OutputTarget t;
  ASSERT_EQ(output_open(nullptr, &t), 42);
  EXPECT_EQ(std::string(t.path), "/d/dump.jsonl.2");
  EXPECT_TRUE(t.close_after);
  // The plain name was also opened without O_CREAT, to see whether it is a
  // device to write to; it is not.
  EXPECT_EQ(g_tried, (std::vector<std::string>{"/d/dump.jsonl", "/d/dump.jsonl", "/d/dump.jsonl.1",
                                               "/d/dump.jsonl.2"}));
}

TEST_F(OutputFile, RefusedDirectoryGivesTheErrorAndTheName) {
  use_output("/ro/dump.%p.jsonl");
  g_fail = -EACCES;
  OutputTarget t;
  EXPECT_EQ(output_open(nullptr, &t), -EACCES);
  EXPECT_EQ(std::string(t.path), "/ro/dump." + std::to_string(sys::getpid()) + ".jsonl");
}

// A worker that dropped privileges (nginx's run as nobody) can no longer
// create files where the master was told to write: its dump goes to a
// private file of its own in /tmp, and both names are given.
TEST_F(OutputFile, RefusedFileFallsBackToAPrivateFileInTmp) {
  use_output("/ro/dump.%p.jsonl");
  g_fail = -EACCES;
  g_fail_under = "/ro/";
  OutputTarget t;
  ASSERT_EQ(output_open(nullptr, &t), 42);
  const std::string pid = std::to_string(sys::getpid());
  EXPECT_EQ(std::string(t.path), "/tmp/fdscope." + pid + ".jsonl");
  EXPECT_EQ(std::string(t.refused), "/ro/dump." + pid + ".jsonl");
  EXPECT_EQ(t.refused_error, -EACCES);
  EXPECT_EQ(g_tried, (std::vector<std::string>{"/ro/dump." + pid + ".jsonl",
                                               "/tmp/fdscope." + pid + ".jsonl"}));
}

TEST_F(OutputFile, OnlyRefusalsFallBack) {
  use_output("/full/dump.jsonl");
  g_fail = -ENOSPC;
  OutputTarget t;
  EXPECT_EQ(output_open(nullptr, &t), -ENOSPC);
  EXPECT_EQ(g_tried, std::vector<std::string>{"/full/dump.jsonl"});
  EXPECT_EQ(t.refused_error, 0);
}

TEST_F(OutputFile, AtTheLimitTheReserveIsGivenUpThenTakenAgain) {
  reserve_init("fdscope-test");  // takes a memfd at 1023, the top of the soft limit
  ASSERT_TRUE(is_own_fd(1023));
  g_emfile_left = 1;
  OutputTarget t;
  EXPECT_EQ(output_open("/d/limit.jsonl", &t), 42);
  EXPECT_EQ(g_tried, (std::vector<std::string>{"/d/limit.jsonl", "/d/limit.jsonl"}));
  EXPECT_EQ(g_closed, std::vector<int>{1023});
  EXPECT_FALSE(is_own_fd(1023));
  EXPECT_EQ(g_limit.rlim_cur, 1024u);  // the reserve sufficed: no limit raised
  reserve_restore();
  EXPECT_TRUE(is_own_fd(1023));
}

TEST_F(OutputFile, AtTheLimitWithoutAReserveTheSoftLimitIsRaisedThenRestored) {
  g_emfile_left = 1;
  OutputTarget t;
  EXPECT_EQ(output_open("/d/limit.jsonl", &t), 42);
  EXPECT_EQ(g_limit.rlim_cur, 1028u);
  reserve_restore();
  EXPECT_EQ(g_limit.rlim_cur, 1024u);
}

TEST_F(OutputFile, AtTheHardLimitItGivesUp) {
  g_limit = {1024, 1024};
  g_emfile_left = 5;
  OutputTarget t;
  EXPECT_EQ(output_open("/d/limit.jsonl", &t), -EMFILE);
  EXPECT_EQ(g_limit.rlim_cur, 1024u);
}

}  // namespace
}  // namespace fdscope
