// The host's errno is untouched by the shim: after a successful tracked call
// it is what it was before (the shim unwound, interned and recorded in
// between), and after a failing call it is libc's error.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <functional>

#include "lifecycle_util.h"

#ifndef LIFECYCLE_HELPER
#error "LIFECYCLE_HELPER must name the helper program"
#endif

namespace {

using fdscope::test::Dump;

constexpr int kMarker = 1234;

TEST(LifecycleErrno, SuccessfulTrackedCallsLeaveErrnoAlone) {
  fdscope::test::TempDir tmp;
  std::string file = tmp.join("f.txt");
  std::vector<std::pair<int, std::string>> made;  // fd, expected call
  std::vector<FILE*> streams;
  std::vector<DIR*> dirs;
  auto check = [&](int fd, const char* call, int line) {
    EXPECT_EQ(errno, kMarker) << call << " (line " << line << ")";
    ASSERT_GE(fd, 0) << call;
    made.emplace_back(fd, call);
  };
#define CALL(expr, call)       \
  do {                         \
    errno = kMarker;           \
    int fd_ = (expr);          \
    check(fd_, call, __LINE__); \
  } while (0)

  CALL(open(file.c_str(), O_CREAT | O_RDWR, 0600), "open");
  CALL(openat(AT_FDCWD, file.c_str(), O_RDONLY), "openat");
  CALL(creat(tmp.join("c.txt").c_str(), 0600), "creat");
  CALL(socket(AF_INET, SOCK_STREAM, 0), "socket");
  int sv[2];
  errno = kMarker;
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  check(sv[0], "socketpair", __LINE__);
  made.emplace_back(sv[1], "socketpair");
  int p[2];
  errno = kMarker;
  ASSERT_EQ(pipe(p), 0);
  check(p[0], "pipe", __LINE__);
  made.emplace_back(p[1], "pipe");
  errno = kMarker;
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  check(p[0], "pipe2", __LINE__);
  made.emplace_back(p[1], "pipe2");
  CALL(dup(p[0]), "dup");
  CALL(dup2(p[0], 900), "dup2");
  CALL(dup3(p[0], 901, O_CLOEXEC), "dup3");
  CALL(fcntl(p[0], F_DUPFD, 500), "fcntl");
  CALL(eventfd(0, 0), "eventfd");
  CALL(epoll_create1(0), "epoll_create1");
  CALL(timerfd_create(CLOCK_MONOTONIC, 0), "timerfd_create");
  CALL(memfd_create("errno-test", 0), "memfd_create");
  CALL(inotify_init1(0), "inotify_init1");
  std::string tmpl = tmp.join("mkstemp.XXXXXX");
  CALL(mkstemp(tmpl.data()), "mkstemp");

  // Streams: the record is the stream's descriptor.
  errno = kMarker;
  FILE* fp = fopen(file.c_str(), "r");
  ASSERT_NE(fp, nullptr);
  check(fileno(fp), "fopen", __LINE__);
  streams.push_back(fp);
  errno = kMarker;
  DIR* d = opendir(tmp.path().c_str());
  ASSERT_NE(d, nullptr);
  check(dirfd(d), "opendir", __LINE__);
  dirs.push_back(d);

  // A loopback connection: connect and accept.
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(listener, (sockaddr*)&addr, sizeof(addr)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  ASSERT_EQ(getsockname(listener, (sockaddr*)&addr, &len), 0);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  errno = kMarker;
  ASSERT_EQ(connect(client, (sockaddr*)&addr, sizeof(addr)), 0);
  EXPECT_EQ(errno, kMarker) << "connect";
  CALL(accept(listener, nullptr, nullptr), "accept");
  int client2 = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client2, (sockaddr*)&addr, sizeof(addr)), 0);
  CALL(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC), "accept4");
#undef CALL

  // The shim did its work during those calls.
  const Dump dump = fdscope::test::dump_now();
  for (const auto& [fd, call] : made) {
    const auto* e = dump.find(fd);
    ASSERT_NE(e, nullptr) << fd;
    EXPECT_TRUE(e->tracked) << call;
    EXPECT_TRUE(e->call == call || e->call == call + "64") << call << " recorded as " << e->call;
    EXPECT_TRUE(dump.stack_has(e->stack, "SuccessfulTrackedCallsLeaveErrnoAlone"))
        << call << ": " << dump.describe_stack(e->stack);
  }

  // Releasing calls leave errno alone too.
  errno = kMarker;
  EXPECT_EQ(fclose(fp), 0);
  EXPECT_EQ(errno, kMarker) << "fclose";
  errno = kMarker;
  EXPECT_EQ(closedir(d), 0);
  EXPECT_EQ(errno, kMarker) << "closedir";
  for (const auto& [fd, call] : made) {
    if (call == "fopen" || call == "opendir") continue;
    errno = kMarker;
    EXPECT_EQ(close(fd), 0) << call;
    EXPECT_EQ(errno, kMarker) << "close of " << call;
  }
  close(listener);
  close(client);
  close(client2);
}

TEST(LifecycleErrno, FailingCallsReportLibcsError) {
  fdscope::test::TempDir tmp;
  std::string file = tmp.join("f.txt");
  close(open(file.c_str(), O_CREAT | O_WRONLY, 0600));
  struct Case {
    const char* what;
    std::function<bool()> call;  // true if it failed as a failing call does
    int err;
  };
  int fds[2];
  const Case cases[] = {
      {"open missing", [] { return open("/nonexistent/fdscope/x", O_RDONLY) == -1; }, ENOENT},
      {"open dir for writing", [&] { return open(tmp.path().c_str(), O_WRONLY) == -1; }, EISDIR},
      {"openat bad dirfd", [] { return openat(-5, "x", O_RDONLY) == -1; }, EBADF},
      {"socket bad family", [] { return socket(12345, SOCK_STREAM, 0) == -1; }, EAFNOSUPPORT},
      {"socket bad type", [] { return socket(AF_INET, 12345, 0) == -1; }, EINVAL},
      {"close -1", [] { return close(-1) == -1; }, EBADF},
      {"close unused", [] { return close(3999) == -1; }, EBADF},
      {"dup -1", [] { return dup(-1) == -1; }, EBADF},
      {"dup2 -1", [] { return dup2(-1, 5) == -1; }, EBADF},
      {"fcntl F_DUPFD -1", [] { return fcntl(-1, F_DUPFD, 0) == -1; }, EBADF},
      {"pipe2 bad flags", [&] { return pipe2(fds, 0x7fffffff) == -1; }, EINVAL},
      {"eventfd bad flags", [] { return eventfd(0, 0x7fffffff) == -1; }, EINVAL},
      {"memfd_create bad flags", [] { return memfd_create("x", 0x7fffffff) == -1; }, EINVAL},
      {"accept on a file", [&] {
         int fd = open(file.c_str(), O_RDONLY);
         bool failed = accept(fd, nullptr, nullptr) == -1;
         int e = errno;
         close(fd);
         errno = e;
         return failed;
       }, ENOTSOCK},
      {"connect refused", [] {
         int s = socket(AF_INET, SOCK_STREAM, 0);
         int l = socket(AF_INET, SOCK_STREAM, 0);  // bound, not listening: refuses
         sockaddr_in a{};
         a.sin_family = AF_INET;
         a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
         socklen_t n = sizeof(a);
         bind(l, (sockaddr*)&a, sizeof(a));
         getsockname(l, (sockaddr*)&a, &n);
         errno = kMarker;
         bool failed = connect(s, (sockaddr*)&a, sizeof(a)) == -1;
         int e = errno;
         close(s);
         close(l);
         errno = e;
         return failed;
       }, ECONNREFUSED},
      {"fopen missing", [] { return fopen("/nonexistent/fdscope/x", "r") == nullptr; }, ENOENT},
      {"fopen bad mode", [&] { return fopen(file.c_str(), "q") == nullptr; }, EINVAL},
      {"opendir missing", [] { return opendir("/nonexistent/fdscope") == nullptr; }, ENOENT},
      {"opendir on a file", [&] { return opendir(file.c_str()) == nullptr; }, ENOTDIR},
      {"fdopendir -1", [] { return fdopendir(-1) == nullptr; }, EBADF},
      {"mkstemp bad template", [] {
         char t[] = "/tmp/no-x-suffix";
         return mkstemp(t) == -1;
       }, EINVAL},
  };
  const std::set<int> before = lifecycle::reportable_fds();
  for (const Case& c : cases) {
    errno = kMarker;
    EXPECT_TRUE(c.call()) << c.what << " did not fail";
    EXPECT_EQ(errno, c.err) << c.what << ": " << strerror(errno);
  }
  EXPECT_EQ(lifecycle::reportable_fds(), before);
  EXPECT_EQ(lifecycle::dump_fds(fdscope::test::dump_now()), before);
}

// At the descriptor limit, creating calls fail with EMFILE (the shim's
// emfile dump happens in between and must not show). In the helper, whose
// dump goes to a temporary directory.
TEST(LifecycleErrno, CallsAtTheDescriptorLimitFailWithEmfile) {
  fdscope::test::TempDir tmp;
  auto r = lifecycle::run_program({LIFECYCLE_HELPER, "emfile"},
                                  "log=none:threshold=1000000:output=" + tmp.join("emfile.jsonl"));
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(fdscope::test::describe_status(r.status), "exit 0") << r.out;
  auto f = lifecycle::line_fields(r.out, "errnos");
  ASSERT_EQ(f.size(), 7u) << r.out;
  const char* names[] = {"open", "socket", "pipe", "fopen", "opendir", "dup"};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(std::stoi(f[i + 1]), EMFILE) << names[i];
}

}  // namespace
