// Duplication: dup dup2 dup3, fcntl/fcntl64 with F_DUPFD and F_DUPFD_CLOEXEC.
// The source descriptors are opened with raw syscalls, so every record in
// these dumps comes from the call under test. (Replacing an open descriptor
// with dup2/dup3 is in hooks_release_test.cpp.)
#include <fcntl.h>
#include <unistd.h>

#include <set>

#include "hook_test_support.h"

namespace fdscope::test {
namespace {

// Descriptor numbers well above the test's own, below any soft limit >= 1024.
constexpr int kHigh = 900;

std::set<int> fds_with_call(const Dump& d, const std::string& call) {
  std::set<int> out;
  for (const FdEntry* e : d.tracked())
    if (e->call == call) out.insert(e->fd);
  return out;
}

class HooksDup : public ::testing::Test {
 protected:
  void SetUp() override {
    if (soft_fd_limit() < 1024) GTEST_SKIP() << "needs descriptor numbers up to 1023";
    path_ = raw_create_file(dir_.join("source"));
    src_ = raw_open(path_, O_RDONLY);
    ASSERT_GE(src_, 0);
  }
  void TearDown() override {
    if (src_ >= 0) raw_close(src_);
  }
  TempDir dir_;
  std::string path_;
  int src_ = -1;
};

}  // namespace

TEST_F(HooksDup, Dup) {
  int fd = dup(src_);
  ASSERT_GE(fd, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "dup", "file", path_));
  EXPECT_TRUE(IsUntracked(d, src_, "file", path_));
  close(fd);
}

TEST_F(HooksDup, Dup2) {
  ASSERT_EQ(dup2(src_, kHigh), kHigh);
  EXPECT_EQ(fcntl(kHigh, F_GETFD), 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, kHigh, "dup2", "file", path_));
  EXPECT_TRUE(IsUntracked(d, src_, "file", path_));
  close(kHigh);
}

TEST_F(HooksDup, Dup2OntoItselfKeepsTheRecord) {
  int fd = open(path_.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  Dump before = dump_now();
  ASSERT_TRUE(IsTracked(before, fd, "open", "file", path_));

  ASSERT_EQ(dup2(fd, fd), fd);  // a no-op: nothing created, nothing closed
  Dump after = dump_now();
  EXPECT_TRUE(IsTracked(after, fd, "open", "file", path_));
  EXPECT_EQ(after.find(fd)->stack, before.find(fd)->stack);
  close(fd);
}

TEST_F(HooksDup, Dup3) {
  ASSERT_EQ(dup3(src_, kHigh + 1, O_CLOEXEC), kHigh + 1);
  EXPECT_EQ(fcntl(kHigh + 1, F_GETFD), FD_CLOEXEC);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, kHigh + 1, "dup3", "file", path_));
  close(kHigh + 1);
}

TEST_F(HooksDup, FcntlDupfd) {
  int fd = fcntl(src_, F_DUPFD, kHigh + 10);
  int fd_cloexec = fcntl(src_, F_DUPFD_CLOEXEC, kHigh + 10);
  ASSERT_EQ(fd, kHigh + 10);
  ASSERT_EQ(fd_cloexec, kHigh + 11);
  EXPECT_EQ(fcntl(fd, F_GETFD), 0);
  EXPECT_EQ(fcntl(fd_cloexec, F_GETFD), FD_CLOEXEC);
  // Commands that do not duplicate return numbers that are not descriptors.
  EXPECT_EQ(fcntl(src_, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fcntl(src_, F_SETFD, FD_CLOEXEC), 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "fcntl", "file", path_));
  EXPECT_TRUE(IsTracked(d, fd_cloexec, "fcntl", "file", path_));
  EXPECT_EQ(fds_with_call(d, "fcntl"), (std::set<int>{fd, fd_cloexec}));
  close(fd);
  close(fd_cloexec);
}

TEST_F(HooksDup, Fcntl64Dupfd) {
  int fd = fcntl64(src_, F_DUPFD, kHigh + 20);
  int fd_cloexec = fcntl64(src_, F_DUPFD_CLOEXEC, kHigh + 20);
  ASSERT_EQ(fd, kHigh + 20);
  ASSERT_EQ(fd_cloexec, kHigh + 21);
  EXPECT_EQ(fcntl64(fd_cloexec, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fcntl64(src_, F_SETFD, FD_CLOEXEC), 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "fcntl64", "file", path_));
  EXPECT_TRUE(IsTracked(d, fd_cloexec, "fcntl64", "file", path_));
  EXPECT_EQ(fds_with_call(d, "fcntl64"), (std::set<int>{fd, fd_cloexec}));
  close(fd);
  close(fd_cloexec);
}

}  // namespace fdscope::test
