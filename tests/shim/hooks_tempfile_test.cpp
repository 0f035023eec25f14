// Temporary and shared-memory files: mkstemp mkostemp mkstemps mkostemps,
// their *64 variants, and shm_open.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hook_test_support.h"

namespace fdscope::test {
namespace {

class HooksTempfile : public ::testing::Test {
 protected:
  // A template in the scratch directory: dir/name.XXXXXX + suffix.
  std::string tmpl(const std::string& name, const std::string& suffix = "") {
    return dir_.path() + "/" + name + ".XXXXXX" + suffix;
  }
  // mkstemp* filled the template in: it names a file that now exists.
  static void ExpectFilledIn(const std::string& path, const std::string& suffix = "") {
    EXPECT_EQ(path.find("XXXXXX"), std::string::npos) << path;
    EXPECT_EQ(path.substr(path.size() - suffix.size()), suffix);
    EXPECT_EQ(access(path.c_str(), F_OK), 0) << path;
  }
  TempDir dir_;
};

}  // namespace

TEST_F(HooksTempfile, Mkstemp) {
  std::string path = tmpl("mkstemp");
  int fd = mkstemp(path.data());
  ASSERT_GE(fd, 0);
  ExpectFilledIn(path);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "mkstemp", "file", path));
  close(fd);
}

TEST_F(HooksTempfile, Mkostemp) {
  std::string path = tmpl("mkostemp");
  int fd = mkostemp(path.data(), O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ExpectFilledIn(path);
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "mkostemp", "file", path));
  close(fd);
}

TEST_F(HooksTempfile, Mkstemps) {
  std::string path = tmpl("mkstemps", ".txt");
  int fd = mkstemps(path.data(), 4);
  ASSERT_GE(fd, 0);
  ExpectFilledIn(path, ".txt");

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "mkstemps", "file", path));
  close(fd);
}

TEST_F(HooksTempfile, Mkostemps) {
  std::string path = tmpl("mkostemps", ".log");
  int fd = mkostemps(path.data(), 4, O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ExpectFilledIn(path, ".log");
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "mkostemps", "file", path));
  close(fd);
}

TEST_F(HooksTempfile, Mkstemp64) {
  std::string path = tmpl("mkstemp64");
  int fd = mkstemp64(path.data());
  ASSERT_GE(fd, 0);
  ExpectFilledIn(path);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "mkstemp64", "file", path));
  close(fd);
}

TEST_F(HooksTempfile, Mkostemp64) {
  std::string path = tmpl("mkostemp64");
  int fd = mkostemp64(path.data(), O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ExpectFilledIn(path);
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "mkostemp64", "file", path));
  close(fd);
}

TEST_F(HooksTempfile, Mkstemps64) {
  std::string path = tmpl("mkstemps64", ".c");
  int fd = mkstemps64(path.data(), 2);
  ASSERT_GE(fd, 0);
  ExpectFilledIn(path, ".c");

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "mkstemps64", "file", path));
  close(fd);
}

TEST_F(HooksTempfile, Mkostemps64) {
  std::string path = tmpl("mkostemps64", ".json");
  int fd = mkostemps64(path.data(), 5, O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ExpectFilledIn(path, ".json");
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "mkostemps64", "file", path));
  close(fd);
}

TEST(HooksShm, ShmOpen) {
  const std::string name = "/fdscope-hooks-" + std::to_string(getpid());
  int fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0 && errno == ENOENT) GTEST_SKIP() << "no /dev/shm here";
  ASSERT_GE(fd, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "shm_open", "file", "/dev/shm" + name));
  close(fd);
  shm_unlink(name.c_str());
}

}  // namespace fdscope::test
