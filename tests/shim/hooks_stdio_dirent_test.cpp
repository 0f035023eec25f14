// stdio and dirent streams: fopen fopen64 freopen freopen64 tmpfile
// tmpfile64 opendir fdopendir popen. glibc opens their descriptors through
// internal aliases, so only the stream hooks can record them.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hook_test_support.h"

namespace fdscope::test {
namespace {

class HooksStdio : public ::testing::Test {
 protected:
  TempDir dir_;
};

bool is_anonymous_tmp(const std::string& link) {
  const std::string deleted = " (deleted)";
  return link.rfind("/tmp/", 0) == 0 && link.size() > deleted.size() &&
         link.compare(link.size() - deleted.size(), deleted.size(), deleted) == 0;
}

}  // namespace

TEST_F(HooksStdio, Fopen) {
  std::string path = raw_create_file(dir_.join("fopen"));
  FILE* fp = fopen(path.c_str(), "r");
  ASSERT_NE(fp, nullptr);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fileno(fp), "fopen", "file", path));
  fclose(fp);
}

TEST_F(HooksStdio, Fopen64) {
  std::string path = dir_.path() + "/fopen64";
  FILE* fp = fopen64(path.c_str(), "we");
  ASSERT_NE(fp, nullptr);
  EXPECT_EQ(fcntl(fileno(fp), F_GETFD), FD_CLOEXEC);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fileno(fp), "fopen64", "file", path));
  fclose(fp);
}

// freopen closes the stream's descriptor and opens another (glibc keeps the
// number): the old record goes, the new one is freopen's.
TEST_F(HooksStdio, Freopen) {
  std::string a = raw_create_file(dir_.join("a")), b = raw_create_file(dir_.join("b"));
  FILE* fp = fopen(a.c_str(), "r");
  ASSERT_NE(fp, nullptr);
  const int old_fd = fileno(fp);
  ASSERT_TRUE(IsTracked(dump_now(), old_fd, "fopen", "file", a));

  FILE* again = freopen(b.c_str(), "r", fp);
  ASSERT_EQ(again, fp);
  const int new_fd = fileno(again);
  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, new_fd, "freopen", "file", b));
  if (new_fd != old_fd) {  // the old number must not keep fopen's record
    occupy_raw(old_fd);
    EXPECT_TRUE(IsUntracked(dump_now(), old_fd, "chr", "/dev/null"));
    raw_close(old_fd);
  }
  fclose(again);
}

TEST_F(HooksStdio, Freopen64) {
  std::string a = raw_create_file(dir_.join("a")), b = raw_create_file(dir_.join("b"));
  FILE* fp = fopen(a.c_str(), "r");
  ASSERT_NE(fp, nullptr);
  FILE* again = freopen64(b.c_str(), "r", fp);
  ASSERT_EQ(again, fp);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fileno(again), "freopen64", "file", b));
  fclose(again);
}

// A failing freopen still closes the stream's old descriptor.
TEST_F(HooksStdio, FreopenFailureReleasesTheOldDescriptor) {
  std::string a = raw_create_file(dir_.join("a"));
  FILE* fp = fopen(a.c_str(), "r");
  ASSERT_NE(fp, nullptr);
  const int old_fd = fileno(fp);
  errno = 0;
  EXPECT_EQ(freopen((dir_.path() + "/missing/file").c_str(), "r", fp), nullptr);
  EXPECT_EQ(errno, ENOENT);

  occupy_raw(old_fd);
  EXPECT_TRUE(IsUntracked(dump_now(), old_fd, "chr", "/dev/null"));
  raw_close(old_fd);
}

TEST_F(HooksStdio, Tmpfile) {
  FILE* fp = tmpfile();
  ASSERT_NE(fp, nullptr);
  const std::string link = proc_link(fileno(fp));
  EXPECT_TRUE(is_anonymous_tmp(link)) << link;

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fileno(fp), "tmpfile", "file", link));
  fclose(fp);
}

TEST_F(HooksStdio, Tmpfile64) {
  FILE* fp = tmpfile64();
  ASSERT_NE(fp, nullptr);
  const std::string link = proc_link(fileno(fp));
  EXPECT_TRUE(is_anonymous_tmp(link)) << link;

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fileno(fp), "tmpfile64", "file", link));
  fclose(fp);
}

TEST_F(HooksStdio, Opendir) {
  DIR* dir = opendir(dir_.path().c_str());
  ASSERT_NE(dir, nullptr);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, dirfd(dir), "opendir", "dir", dir_.path()));
  closedir(dir);
}

// A descriptor the shim did not see created is recorded by fdopendir.
TEST_F(HooksStdio, FdopendirOnAnUntrackedDescriptor) {
  int fd = raw_open(dir_.path(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(IsUntracked(dump_now(), fd, "dir", dir_.path()));

  DIR* dir = fdopendir(fd);
  ASSERT_NE(dir, nullptr);
  ASSERT_EQ(dirfd(dir), fd);
  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "fdopendir", "dir", dir_.path()));
  closedir(dir);
}

// fdopendir on a tracked descriptor keeps the record of the call that made it.
TEST_F(HooksStdio, FdopendirKeepsTheCreatingRecord) {
  int fd = open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  Dump before = dump_now();
  ASSERT_TRUE(IsTracked(before, fd, "open", "dir", dir_.path()));

  DIR* dir = fdopendir(fd);
  ASSERT_NE(dir, nullptr);
  Dump after = dump_now();
  EXPECT_TRUE(IsTracked(after, fd, "open", "dir", dir_.path()));
  EXPECT_EQ(after.find(fd)->stack, before.find(fd)->stack);
  closedir(dir);
}

TEST_F(HooksStdio, Popen) {
  FILE* reader = popen("exit 3", "r");
  FILE* writer = popen("cat >/dev/null", "we");
  ASSERT_NE(reader, nullptr);
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(fcntl(fileno(writer), F_GETFD), FD_CLOEXEC);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fileno(reader), "popen", "pipe", pipe_target(fileno(reader))));
  EXPECT_TRUE(IsTracked(d, fileno(writer), "popen", "pipe", pipe_target(fileno(writer))));
  int status = pclose(reader);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << status;  // passed through
  EXPECT_EQ(pclose(writer), 0);
}

}  // namespace fdscope::test
