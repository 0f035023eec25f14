// The open family: open open64 openat openat64 creat creat64 and the
// fortified __open_2 __open64_2 __openat_2 __openat64_2 (called directly, as
// -D_FORTIFY_SOURCE code does).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hook_test_support.h"

extern "C" {
int __open_2(const char* path, int flags);
int __open64_2(const char* path, int flags);
int __openat_2(int dirfd, const char* path, int flags);
int __openat64_2(int dirfd, const char* path, int flags);
}

namespace fdscope::test {
namespace {

// The permission bits a file was created with: the hook must pass the
// variadic mode argument on.
unsigned mode_of(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : ~0u;
}

class HooksOpen : public ::testing::Test {
 protected:
  void SetUp() override { old_umask_ = umask(022); }
  void TearDown() override { umask(old_umask_); }
  TempDir dir_;
  mode_t old_umask_ = 0;
};

}  // namespace

TEST_F(HooksOpen, Open) {
  std::string existing = raw_create_file(dir_.join("existing"));
  std::string created = dir_.path() + "/created";
  int fd = open(existing.c_str(), O_RDONLY);
  int fd2 = open(created.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0640);
  ASSERT_GE(fd, 0);
  ASSERT_GE(fd2, 0);
  EXPECT_EQ(mode_of(created), 0640u);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "open", "file", existing));
  EXPECT_TRUE(IsTracked(d, fd2, "open", "file", created));
  close(fd);
  close(fd2);
}

TEST_F(HooksOpen, Open64) {
  std::string created = dir_.path() + "/created64";
  int fd = open64(created.c_str(), O_RDWR | O_CREAT | O_EXCL, 0604);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(mode_of(created), 0604u);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "open64", "file", created));
  close(fd);
}

TEST_F(HooksOpen, OpenAt) {
  std::string existing = raw_create_file(dir_.join("existing"));
  int dirfd = raw_open(dir_.path(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dirfd, 0);
  int fd = openat(dirfd, "existing", O_RDONLY);
  int fd2 = openat(dirfd, "created", O_WRONLY | O_CREAT | O_EXCL, 0600);
  int fd3 = openat(AT_FDCWD, dir_.path().c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  ASSERT_GE(fd2, 0);
  ASSERT_GE(fd3, 0);
  EXPECT_EQ(mode_of(dir_.path() + "/created"), 0600u);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "openat", "file", existing));
  EXPECT_TRUE(IsTracked(d, fd2, "openat", "file", dir_.path() + "/created"));
  EXPECT_TRUE(IsTracked(d, fd3, "openat", "dir", dir_.path()));
  EXPECT_TRUE(IsUntracked(d, dirfd, "dir", dir_.path()));
  close(fd);
  close(fd2);
  close(fd3);
  raw_close(dirfd);
}

TEST_F(HooksOpen, OpenAt64) {
  int dirfd = raw_open(dir_.path(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dirfd, 0);
  int fd = openat64(dirfd, "created", O_RDWR | O_CREAT | O_EXCL, 0640);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(mode_of(dir_.path() + "/created"), 0640u);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "openat64", "file", dir_.path() + "/created"));
  close(fd);
  raw_close(dirfd);
}

TEST_F(HooksOpen, OpenTmpfilePassesMode) {
  // O_TMPFILE also takes a mode argument.
  int fd = open(dir_.path().c_str(), O_TMPFILE | O_RDWR, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) GTEST_SKIP() << "no O_TMPFILE here";
  ASSERT_GE(fd, 0);
  struct stat st{};
  ASSERT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "open", "file",
                        dir_.path() + "/#" + std::to_string(st.st_ino) + " (deleted)"));
  close(fd);
}

TEST_F(HooksOpen, Creat) {
  std::string path = dir_.path() + "/creat";
  int fd = creat(path.c_str(), 0640);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(mode_of(path), 0640u);
  EXPECT_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "creat", "file", path));
  close(fd);
}

TEST_F(HooksOpen, Creat64) {
  std::string path = dir_.path() + "/creat64";
  int fd = creat64(path.c_str(), 0600);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(mode_of(path), 0600u);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "creat64", "file", path));
  close(fd);
}

TEST_F(HooksOpen, FortifiedOpen) {
  std::string path = raw_create_file(dir_.join("fortified"));
  int fd = __open_2(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "__open_2", "file", path));
  close(fd);
}

TEST_F(HooksOpen, FortifiedOpen64) {
  std::string path = raw_create_file(dir_.join("fortified64"));
  int fd = __open64_2(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "__open64_2", "file", path));
  close(fd);
}

TEST_F(HooksOpen, FortifiedOpenAt) {
  std::string path = raw_create_file(dir_.join("fortified-at"));
  int dirfd = raw_open(dir_.path(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dirfd, 0);
  int fd = __openat_2(dirfd, "fortified-at", O_RDONLY);
  ASSERT_GE(fd, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "__openat_2", "file", path));
  close(fd);
  raw_close(dirfd);
}

TEST_F(HooksOpen, FortifiedOpenAt64) {
  std::string path = raw_create_file(dir_.join("fortified-at64"));
  int fd = __openat64_2(AT_FDCWD, path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "__openat64_2", "file", path));
  close(fd);
}

}  // namespace fdscope::test
