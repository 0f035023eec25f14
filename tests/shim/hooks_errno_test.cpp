// Failing calls: the shim passes their return value and errno through
// unchanged, and records nothing. Successful calls leave errno alone.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "hook_test_support.h"

extern "C" int __open_2(const char* path, int flags);
extern "C" int __openat_2(int dirfd, const char* path, int flags);

namespace fdscope::test {
namespace {

// Expects `expr` to fail with `result` and errno `err`.
#define EXPECT_FAILS(expr, result, err) \
  do {                                  \
    errno = 0;                          \
    EXPECT_EQ((expr), (result)) << #expr; \
    EXPECT_EQ(errno, (err)) << #expr << ": " << strerror(errno); \
  } while (0)

std::map<int, std::string> records(const Dump& d) {
  std::map<int, std::string> out;
  for (const FdEntry* e : d.tracked()) out[e->fd] = e->call + "@" + std::to_string(e->stack);
  return out;
}

class HooksFailing : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = raw_create_file(dir_.join("file"));
    missing_ = dir_.path() + "/missing";
    fd_ = raw_open(file_, O_RDONLY);
    ASSERT_GE(fd_, 0);
    before_ = records(dump_now());
  }
  void TearDown() override {
    EXPECT_EQ(records(dump_now()), before_) << "a failing call left a record";
    raw_close(fd_);
  }
  TempDir dir_;
  std::string file_, missing_;
  int fd_ = -1;  // an open regular file (not a socket, not a directory)
  std::map<int, std::string> before_;
};

}  // namespace

TEST_F(HooksFailing, OpenFamily) {
  EXPECT_FAILS(open(missing_.c_str(), O_RDONLY), -1, ENOENT);
  EXPECT_FAILS(open64(missing_.c_str(), O_RDONLY), -1, ENOENT);
  EXPECT_FAILS(openat(fd_, "x", O_RDONLY), -1, ENOTDIR);
  EXPECT_FAILS(openat64(-1, "x", O_RDONLY), -1, EBADF);
  EXPECT_FAILS(creat((missing_ + "/x").c_str(), 0600), -1, ENOENT);
  EXPECT_FAILS(creat64((missing_ + "/x").c_str(), 0600), -1, ENOENT);
  EXPECT_FAILS(__open_2(missing_.c_str(), O_RDONLY), -1, ENOENT);
  EXPECT_FAILS(__openat_2(AT_FDCWD, missing_.c_str(), O_RDONLY), -1, ENOENT);
  EXPECT_FAILS(open(file_.c_str(), O_RDONLY | O_DIRECTORY), -1, ENOTDIR);
}

TEST_F(HooksFailing, Sockets) {
  int sv[2];
  EXPECT_FAILS(socket(AF_INET, 0x7ff, 0), -1, EINVAL);
  EXPECT_FAILS(socketpair(AF_INET, SOCK_STREAM, 0, sv), -1, EOPNOTSUPP);
  EXPECT_FAILS(accept(fd_, nullptr, nullptr), -1, ENOTSOCK);
  EXPECT_FAILS(accept4(-1, nullptr, nullptr, SOCK_CLOEXEC), -1, EBADF);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  EXPECT_FAILS(connect(fd_, (sockaddr*)&in, sizeof(in)), -1, ENOTSOCK);
  msghdr msg{};
  EXPECT_FAILS(recvmsg(fd_, &msg, 0), -1, ENOTSOCK);
  mmsghdr mm{};
  EXPECT_FAILS(recvmmsg(-1, &mm, 1, 0, nullptr), -1, EBADF);
}

TEST_F(HooksFailing, Duplication) {
  EXPECT_FAILS(dup(-1), -1, EBADF);
  EXPECT_FAILS(dup2(-1, 700), -1, EBADF);
  EXPECT_FAILS(dup2(fd_, -1), -1, EBADF);
  EXPECT_FAILS(dup3(fd_, fd_, 0), -1, EINVAL);
  EXPECT_FAILS(dup3(fd_, 700, 0x4000), -1, EINVAL);
  EXPECT_FAILS(fcntl(-1, F_DUPFD, 0), -1, EBADF);
  EXPECT_FAILS(fcntl(fd_, F_DUPFD_CLOEXEC, -1), -1, EINVAL);
  EXPECT_FAILS(fcntl64(fd_, F_DUPFD, -1), -1, EINVAL);
  EXPECT_FAILS(fcntl(-1, F_GETFD), -1, EBADF);
}

TEST_F(HooksFailing, KernelObjects) {
  int p[2];
  sigset_t mask;
  sigemptyset(&mask);
  EXPECT_FAILS(pipe(nullptr), -1, EFAULT);
  EXPECT_FAILS(pipe2(p, 0x7fff0000), -1, EINVAL);
  EXPECT_FAILS(epoll_create(0), -1, EINVAL);
  EXPECT_FAILS(epoll_create1(0x1234), -1, EINVAL);
  EXPECT_FAILS(eventfd(0, 0x1234), -1, EINVAL);
  EXPECT_FAILS(timerfd_create(12345, 0), -1, EINVAL);
  EXPECT_FAILS(signalfd(-1, &mask, 0x1234), -1, EINVAL);
  EXPECT_FAILS(signalfd(fd_, &mask, 0), -1, EINVAL);  // not a signalfd
  EXPECT_FAILS(inotify_init1(0x1234), -1, EINVAL);
  EXPECT_FAILS(memfd_create("x", 0x1234), -1, EINVAL);
}

TEST_F(HooksFailing, TempFiles) {
  std::string bad = dir_.path() + "/no-placeholder";
  EXPECT_FAILS(mkstemp(bad.data()), -1, EINVAL);
  EXPECT_FAILS(mkostemp(bad.data(), O_CLOEXEC), -1, EINVAL);
  EXPECT_FAILS(mkstemps(bad.data(), 2), -1, EINVAL);
  EXPECT_FAILS(mkostemps(bad.data(), 2, 0), -1, EINVAL);
  EXPECT_FAILS(mkstemp64(bad.data()), -1, EINVAL);
  std::string gone = missing_ + "/XXXXXX";
  EXPECT_FAILS(mkstemp(gone.data()), -1, ENOENT);
  const std::string shm = "/fdscope-missing-" + std::to_string(getpid());
  EXPECT_FAILS(shm_open(shm.c_str(), O_RDONLY, 0), -1, ENOENT);
}

TEST_F(HooksFailing, Streams) {
  EXPECT_FAILS(fopen(missing_.c_str(), "r"), nullptr, ENOENT);
  EXPECT_FAILS(fopen64(missing_.c_str(), "r"), nullptr, ENOENT);
  EXPECT_FAILS(fopen(file_.c_str(), "q"), nullptr, EINVAL);
  EXPECT_FAILS(opendir(missing_.c_str()), nullptr, ENOENT);
  EXPECT_FAILS(opendir(file_.c_str()), nullptr, ENOTDIR);
  EXPECT_FAILS(fdopendir(fd_), nullptr, ENOTDIR);
  EXPECT_FAILS(fdopendir(-1), nullptr, EBADF);
  EXPECT_FAILS(popen("true", "x"), nullptr, EINVAL);
}

TEST_F(HooksFailing, Release) {
  EXPECT_FAILS(close(-1), -1, EBADF);
  EXPECT_FAILS(close(777), -1, EBADF);
  EXPECT_FAILS(closedir(nullptr), -1, EINVAL);
  EXPECT_FAILS(close_range(10, 5, 0), -1, EINVAL);
  EXPECT_FAILS(syscall(SYS_close, -1), -1L, EBADF);
  EXPECT_FAILS(syscall(SYS_close_range, 10, 5, 0), -1L, EINVAL);
}

// A failing flush: fclose reports it, and still closes the descriptor.
TEST_F(HooksFailing, FcloseReportsAFailedFlushAndReleases) {
  FILE* fp = fopen("/dev/full", "w");
  ASSERT_NE(fp, nullptr);
  const int fd = fileno(fp);
  ASSERT_TRUE(IsTracked(dump_now(), fd, "fopen", "chr", "/dev/full"));
  fputs("does not fit", fp);
  EXPECT_FAILS(fclose(fp), EOF, ENOSPC);
  occupy_raw(fd);
  EXPECT_TRUE(IsUntracked(dump_now(), fd, "chr", "/dev/null"));
  raw_close(fd);
}

// A failing close_range releases nothing.
TEST_F(HooksFailing, CloseRangeWithBadFlagsKeepsRecords) {
  int a = open(file_.c_str(), O_RDONLY);
  int b = open(file_.c_str(), O_RDONLY);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  EXPECT_FAILS(close_range((unsigned)a, (unsigned)b, 0x40000000), -1, EINVAL);
  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, a, "open", "file", file_));
  EXPECT_TRUE(IsTracked(d, b, "open", "file", file_));
  close(a);
  close(b);
}

TEST(HooksSucceeding, LeaveErrnoAlone) {
  TempDir dir;
  std::string path = raw_create_file(dir.join("file"));
  errno = EDOM;
  int fd = open(path.c_str(), O_RDONLY);
  EXPECT_EQ(errno, EDOM) << "open";
  int s = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(errno, EDOM) << "socket";
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_EQ(errno, EDOM) << "pipe";
  int d = dup(fd);
  EXPECT_EQ(errno, EDOM) << "dup";
  int e = eventfd(0, 0);
  EXPECT_EQ(errno, EDOM) << "eventfd";
  for (int x : {fd, s, p[0], p[1], d, e}) {
    ASSERT_GE(x, 0);
    EXPECT_EQ(close(x), 0);
    EXPECT_EQ(errno, EDOM) << "close";
  }
}

}  // namespace fdscope::test
