// Release paths: close fclose closedir pclose close_range closefrom,
// syscall(SYS_close) and syscall(SYS_close_range) (libuv closes that way),
// and the implicit close of dup2/dup3 onto an open descriptor (freopen is in
// hooks_stdio_dirent_test.cpp).
//
// A closed descriptor is never listed in a dump, whether or not its record
// was dropped; so after each release the number is reopened behind the
// shim's back (occupy_raw), and must then be listed as untracked. A record
// the release path failed to drop would show instead.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hook_test_support.h"

namespace fdscope::test {
namespace {

// Descriptor numbers well above the test's own, below any soft limit >= 1024
// (the shim keeps its own descriptors in the last 8 below the soft limit).
constexpr int kBase = 800;

class HooksRelease : public ::testing::Test {
 protected:
  void SetUp() override {
    if (soft_fd_limit() < 1024) GTEST_SKIP() << "needs descriptor numbers up to 1023";
    path_ = raw_create_file(dir_.join("file"));
  }
  // After a release of fd: the number, reopened raw, has no record.
  void ExpectReleased(int fd) {
    occupy_raw(fd);
    EXPECT_TRUE(IsUntracked(dump_now(), fd, "chr", "/dev/null"));
    raw_close(fd);
  }
  TempDir dir_;
  std::string path_;
};

// Returns "" if fd is listed as tracked with `call`, else what is wrong.
std::string check_call(const Dump& d, int fd, const std::string& call) {
  const FdEntry* e = d.find(fd);
  if (!e) return "fd " + std::to_string(fd) + " not listed; ";
  if (!e->tracked || e->call != call)
    return "fd " + std::to_string(fd) + " is " + (e->tracked ? e->call : "untracked") +
           ", expected " + call + "; ";
  return "";
}

std::string check_untracked(const Dump& d, int fd) {
  const FdEntry* e = d.find(fd);
  if (!e) return "fd " + std::to_string(fd) + " not listed; ";
  if (e->tracked) return "fd " + std::to_string(fd) + " still has a " + e->call + " record; ";
  return "";
}

// In a child: kBase-1 .. kBase+2 made by dup2, then everything from kBase
// released by `release` (closefrom, close_range to ~0U) -- the test
// runner's and the shim's own high descriptors included.
std::string release_to_the_top(void (*release)(int)) {
  int src = open("/dev/null", O_RDONLY);
  for (int fd = kBase - 1; fd <= kBase + 2; ++fd)
    if (dup2(src, fd) != fd) return "dup2 failed";
  Dump before = dump_now();
  std::string failures;
  for (int fd = kBase - 1; fd <= kBase + 2; ++fd) failures += check_call(before, fd, "dup2");

  release(kBase);
  occupy_raw({kBase, kBase + 1, kBase + 2});
  // The shim lost its own descriptors too; it must go on recording stacks.
  int after_fd = open("/dev/null", O_RDONLY);
  Dump after = dump_now();
  for (int fd = kBase; fd <= kBase + 2; ++fd) failures += check_untracked(after, fd);
  failures += check_call(after, kBase - 1, "dup2");  // below the range: kept
  failures += check_call(after, after_fd, "open");
  const FdEntry* e = after.find(after_fd);
  if (e && !after.stack_has(e->stack, "release_to_the_top"))
    failures += "no stack after the release: " + after.describe_stack(e->stack);
  return failures;
}

}  // namespace

TEST_F(HooksRelease, Close) {
  int fd = open(path_.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(IsTracked(dump_now(), fd, "open", "file", path_));

  EXPECT_EQ(close(fd), 0);
  ExpectReleased(fd);
}

TEST_F(HooksRelease, Fclose) {
  FILE* fp = fopen(path_.c_str(), "r");
  ASSERT_NE(fp, nullptr);
  const int fd = fileno(fp);
  ASSERT_TRUE(IsTracked(dump_now(), fd, "fopen", "file", path_));

  EXPECT_EQ(fclose(fp), 0);
  ExpectReleased(fd);
}

TEST_F(HooksRelease, Closedir) {
  DIR* dir = opendir(dir_.path().c_str());
  ASSERT_NE(dir, nullptr);
  const int fd = dirfd(dir);
  ASSERT_TRUE(IsTracked(dump_now(), fd, "opendir", "dir", dir_.path()));

  EXPECT_EQ(closedir(dir), 0);
  ExpectReleased(fd);
}

TEST_F(HooksRelease, Pclose) {
  FILE* fp = popen("exit 0", "r");
  ASSERT_NE(fp, nullptr);
  const int fd = fileno(fp);
  ASSERT_TRUE(IsTracked(dump_now(), fd, "popen", "pipe", pipe_target(fd)));

  EXPECT_EQ(pclose(fp), 0);
  ExpectReleased(fd);
}

TEST_F(HooksRelease, CloseRange) {
  int src = raw_open(path_, O_RDONLY);
  for (int fd = kBase; fd <= kBase + 4; ++fd) ASSERT_EQ(dup2(src, fd), fd);
  raw_close(src);

  ASSERT_EQ(close_range(kBase + 1, kBase + 3, 0), 0);
  occupy_raw({kBase + 1, kBase + 2, kBase + 3});
  Dump d = dump_now();
  for (int fd = kBase + 1; fd <= kBase + 3; ++fd)
    EXPECT_TRUE(IsUntracked(d, fd, "chr", "/dev/null"));
  // Just outside the range: kept.
  EXPECT_TRUE(IsTracked(d, kBase, "dup2", "file", path_));
  EXPECT_TRUE(IsTracked(d, kBase + 4, "dup2", "file", path_));
  close_raw({kBase + 1, kBase + 2, kBase + 3});
  close(kBase);
  close(kBase + 4);
}

// CLOSE_RANGE_CLOEXEC only marks the descriptors close-on-exec.
TEST_F(HooksRelease, CloseRangeCloexecReleasesNothing) {
  int src = raw_open(path_, O_RDONLY);
  for (int fd = kBase; fd <= kBase + 2; ++fd) ASSERT_EQ(dup2(src, fd), fd);
  raw_close(src);
  Dump before = dump_now();

  ASSERT_EQ(close_range(kBase, kBase + 2, CLOSE_RANGE_CLOEXEC), 0);
  Dump after = dump_now();
  for (int fd = kBase; fd <= kBase + 2; ++fd) {
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT_TRUE(IsTracked(after, fd, "dup2", "file", path_));
    EXPECT_EQ(after.find(fd)->stack, before.find(fd)->stack);
    close(fd);
  }
}

TEST_F(HooksRelease, Closefrom) {
  EXPECT_EQ(run_in_child([] { return release_to_the_top([](int low) { closefrom(low); }); }),
            "");
}

TEST_F(HooksRelease, CloseRangeToTheTop) {
  EXPECT_EQ(run_in_child([] {
              return release_to_the_top([](int low) {
                if (close_range((unsigned)low, ~0U, 0) != 0) abort();
              });
            }),
            "");
}

// glibc's generic syscall() entry point, as libuv (Node.js) uses it.
TEST_F(HooksRelease, SyscallClose) {
  int fd = open(path_.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(IsTracked(dump_now(), fd, "open", "file", path_));

  EXPECT_EQ(syscall(SYS_close, fd), 0);
  ExpectReleased(fd);
  EXPECT_EQ(syscall(SYS_getpid), (long)getpid());  // other calls pass through
}

TEST_F(HooksRelease, SyscallCloseRange) {
  int src = raw_open(path_, O_RDONLY);
  for (int fd = kBase; fd <= kBase + 3; ++fd) ASSERT_EQ(dup2(src, fd), fd);
  raw_close(src);

  ASSERT_EQ(syscall(SYS_close_range, kBase + 2, kBase + 3, CLOSE_RANGE_CLOEXEC), 0);
  ASSERT_EQ(syscall(SYS_close_range, kBase + 1, kBase + 2, 0), 0);
  occupy_raw({kBase + 1, kBase + 2});
  Dump d = dump_now();
  EXPECT_TRUE(IsUntracked(d, kBase + 1, "chr", "/dev/null"));
  EXPECT_TRUE(IsUntracked(d, kBase + 2, "chr", "/dev/null"));
  EXPECT_TRUE(IsTracked(d, kBase, "dup2", "file", path_));
  EXPECT_TRUE(IsTracked(d, kBase + 3, "dup2", "file", path_));  // only marked cloexec
  EXPECT_EQ(fcntl(kBase + 3, F_GETFD), FD_CLOEXEC);
  close_raw({kBase + 1, kBase + 2});
  close(kBase);
  close(kBase + 3);
}

// A daemon's loop of close() over every number reaches the shim's own
// descriptors (the reserve): each close gives it up and fails with EBADF, as
// it does without the shim, where the number is not open; so a daemon that
// counts what it closed counts the same (tests/real/check_daemon.py). The
// shim goes on: the next dump is whole and the number is the program's.
std::string close_own_like_a_daemon(long (*close_fn)(int)) {
  std::vector<int> own = shim_own_fds();
  if (own.empty()) return "the shim has no descriptor of its own to close";
  std::string failures;
  for (int fd : own) {
    errno = 0;
    long r = close_fn(fd);
    if (r != -1 || errno != EBADF)
      failures += "closing own fd " + std::to_string(fd) + " returned " + std::to_string(r) +
                  " errno " + std::to_string(errno) + ", expected -1 EBADF; ";
    if (fcntl(fd, F_GETFD) != -1) failures += "own fd " + std::to_string(fd) + " still open; ";
  }
  // The program's own closes are unchanged.
  int mine = open("/dev/null", O_RDONLY);
  errno = 0;
  if (close_fn(mine) != 0) failures += "close of the program's descriptor failed; ";
  if (close_fn(mine) != -1 || errno != EBADF) failures += "a second close did not fail with EBADF; ";
  int after = open("/dev/null", O_RDONLY);
  Dump d = dump_now();
  if (!d.complete) failures += "the dump after is not complete; ";
  failures += check_call(d, after, "open");
  for (int fd : shim_own_fds())
    if (d.find(fd)) failures += "own fd " + std::to_string(fd) + " listed in the dump; ";
  return failures;
}

TEST_F(HooksRelease, ClosingTheShimsOwnDescriptorFailsWithEbadfAsWithoutIt) {
  EXPECT_EQ(run_in_child([] { return close_own_like_a_daemon([](int fd) { return (long)close(fd); }); }),
            "");
}

TEST_F(HooksRelease, SyscallCloseOfTheShimsOwnDescriptorFailsWithEbadf) {
  EXPECT_EQ(run_in_child([] {
              return close_own_like_a_daemon([](int fd) { return syscall(SYS_close, fd); });
            }),
            "");
}

// dup2/dup3 onto an open descriptor close it: its record is replaced.
TEST_F(HooksRelease, Dup2OntoAnOpenDescriptor) {
  std::string other = raw_create_file(dir_.join("other"));
  int a = open(path_.c_str(), O_RDONLY);
  int b = open(other.c_str(), O_RDONLY);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  ASSERT_TRUE(IsTracked(dump_now(), b, "open", "file", other));

  ASSERT_EQ(dup2(a, b), b);
  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, b, "dup2", "file", path_));
  EXPECT_TRUE(IsTracked(d, a, "open", "file", path_));
  close(a);
  close(b);
}

TEST_F(HooksRelease, Dup3OntoAnOpenDescriptor) {
  std::string other = raw_create_file(dir_.join("other"));
  int a = open(path_.c_str(), O_RDONLY);
  int b = open(other.c_str(), O_RDONLY);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  ASSERT_TRUE(IsTracked(dump_now(), b, "open", "file", other));

  ASSERT_EQ(dup3(a, b, O_CLOEXEC), b);
  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, b, "dup3", "file", path_));
  EXPECT_TRUE(IsTracked(d, a, "open", "file", path_));
  close(a);
  close(b);
}

}  // namespace fdscope::test
