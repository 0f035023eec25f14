// Pipes and kernel objects: pipe pipe2 epoll_create epoll_create1 eventfd
// timerfd_create signalfd inotify_init inotify_init1 memfd_create
// posix_openpt.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hook_test_support.h"

namespace fdscope::test {

TEST(HooksKernelObject, Pipe) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  const std::string target = pipe_target(p[0]);
  EXPECT_EQ(pipe_target(p[1]), target);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, p[0], "pipe", "pipe", target));
  EXPECT_TRUE(IsTracked(d, p[1], "pipe", "pipe", target));
  close(p[0]);
  close(p[1]);
}

TEST(HooksKernelObject, Pipe2) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
  EXPECT_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, p[0], "pipe2", "pipe", pipe_target(p[0])));
  EXPECT_TRUE(IsTracked(d, p[1], "pipe2", "pipe", pipe_target(p[1])));
  close(p[0]);
  close(p[1]);
}

TEST(HooksKernelObject, EpollCreate) {
  int fd = epoll_create(1);
  ASSERT_GE(fd, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "epoll_create", "epoll", "anon_inode:[eventpoll]"));
  close(fd);
}

TEST(HooksKernelObject, EpollCreate1) {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  ASSERT_GE(fd, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "epoll_create1", "epoll", "anon_inode:[eventpoll]"));
  close(fd);
}

TEST(HooksKernelObject, Eventfd) {
  int fd = eventfd(3, EFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  eventfd_t value = 0;
  ASSERT_EQ(eventfd_read(fd, &value), 0);
  EXPECT_EQ(value, 3u);  // the initial value was passed on

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "eventfd", "eventfd", "anon_inode:[eventfd]"));
  close(fd);
}

TEST(HooksKernelObject, TimerfdCreate) {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  ASSERT_GE(fd, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "timerfd_create", "timerfd", "anon_inode:[timerfd]"));
  close(fd);
}

TEST(HooksKernelObject, Signalfd) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  int fd = signalfd(-1, &mask, SFD_CLOEXEC);  // -1: creates
  ASSERT_GE(fd, 0);
  Dump created = dump_now();
  EXPECT_TRUE(IsTracked(created, fd, "signalfd", "signalfd", "anon_inode:[signalfd]"));

  sigaddset(&mask, SIGUSR2);
  ASSERT_EQ(signalfd(fd, &mask, 0), fd);  // an existing fd: only updates the mask
  Dump updated = dump_now();
  EXPECT_TRUE(IsTracked(updated, fd, "signalfd", "signalfd", "anon_inode:[signalfd]"));
  EXPECT_EQ(updated.find(fd)->stack, created.find(fd)->stack) << "the update replaced the record";
  close(fd);
}

TEST(HooksKernelObject, InotifyInit) {
  int fd = inotify_init();
  ASSERT_GE(fd, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "inotify_init", "inotify", "anon_inode:inotify"));
  close(fd);
}

TEST(HooksKernelObject, InotifyInit1) {
  int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  ASSERT_GE(fd, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "inotify_init1", "inotify", "anon_inode:inotify"));
  close(fd);
}

TEST(HooksKernelObject, MemfdCreate) {
  int fd = memfd_create("fdscope-hooks", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "memfd_create", "memfd", "/memfd:fdscope-hooks (deleted)"));
  close(fd);
}

TEST(HooksKernelObject, PosixOpenpt) {
  int fd = posix_openpt(O_RDWR | O_NOCTTY);
  if (fd < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV))
    GTEST_SKIP() << "no pseudo-terminals here";
  ASSERT_GE(fd, 0);
  // /dev/ptmx, or /dev/pts/ptmx where /dev/ptmx is a symlink to it.
  const std::string link = proc_link(fd);
  EXPECT_TRUE(link == "/dev/ptmx" || link == "/dev/pts/ptmx") << link;

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, fd, "posix_openpt", "pty", link));
  close(fd);
}

}  // namespace fdscope::test
