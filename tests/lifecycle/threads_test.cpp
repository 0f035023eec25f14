// Four threads open and close descriptors of every family the library
// hooks (one family per creating call: files, streams, directories,
// sockets and their pairs, accepted and received descriptors, pipes,
// duplicates, the kernel objects, temporary files) for two seconds, each
// keeping a random subset open. The dump must then list exactly the
// open descriptors, each with the thread that created it and a stack through
// that thread's function, and nothing that was closed.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <random>

#include "lifecycle_util.h"

namespace {

using fdscope::test::Dump;
using fdscope::test::FdEntry;

enum Family {
  kOpen, kSocket, kPipe, kEventfd, kDup, kFopen, kOpendir, kAccept,
  kSocketpair, kAccept4, kDup3, kFcntlDupfd, kEpoll, kTimerfd, kSignalfd, kInotify,
  kMemfd, kMkstemp, kTmpfile, kRecvmsg, kOpenat, kFamilies
};

struct Held {
  int fd;
  FILE* fp = nullptr;
  DIR* dir = nullptr;
  std::set<std::string> calls;  // acceptable "call" values
  std::string kind;
  bool keep_forever = false;
};

struct Worker {
  int index = 0;
  std::string dir;       // a directory to opendir, with a file to fopen
  std::string file;
  std::atomic<bool>* stop = nullptr;
  pid_t tid = 0;
  std::string name;
  std::vector<Held> held;
  int created[kFamilies] = {};
  int closed = 0;
  std::string error;
};

void release(Held& h) {
  if (h.fp) fclose(h.fp);
  else if (h.dir) closedir(h.dir);
  else close(h.fd);
}

void create_one(Worker& w, Family f, int listener, const sockaddr_in& addr) {
  switch (f) {
    case kOpen: {
      int fd = open("/dev/null", O_RDONLY);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"open", "open64"}, "chr"});
      break;
    }
    case kSocket: {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"socket"}, "socket"});
      break;
    }
    case kPipe: {
      int p[2];
      if (pipe2(p, O_CLOEXEC) == 0) {
        w.held.push_back({p[0], nullptr, nullptr, {"pipe2"}, "pipe"});
        w.held.push_back({p[1], nullptr, nullptr, {"pipe2"}, "pipe"});
      }
      break;
    }
    case kEventfd: {
      int fd = eventfd(0, EFD_CLOEXEC);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"eventfd"}, "eventfd"});
      break;
    }
    case kDup: {
      if (w.held.empty()) return create_one(w, kOpen, listener, addr);
      const Held& src = w.held[w.held.size() / 2];
      int fd = dup(src.fd);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"dup"}, src.kind});
      break;
    }
    case kFopen: {
      FILE* fp = fopen(w.file.c_str(), "r");
      if (fp) w.held.push_back({fileno(fp), fp, nullptr, {"fopen", "fopen64"}, "file"});
      break;
    }
    case kOpendir: {
      DIR* d = opendir(w.dir.c_str());
      if (d) w.held.push_back({dirfd(d), nullptr, d, {"opendir"}, "dir"});
      break;
    }
    case kAccept: {
      int client = socket(AF_INET, SOCK_STREAM, 0);
      if (client < 0) break;
      w.held.push_back({client, nullptr, nullptr, {"socket"}, "socket"});
      if (connect(client, (const sockaddr*)&addr, sizeof(addr)) != 0) {
        w.error = "connect failed";
        break;
      }
      int fd = accept(listener, nullptr, nullptr);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"accept"}, "socket"});
      else w.error = "accept failed";
      break;
    }
    case kSocketpair: {
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
        w.held.push_back({sv[0], nullptr, nullptr, {"socketpair"}, "socket"});
        w.held.push_back({sv[1], nullptr, nullptr, {"socketpair"}, "socket"});
      }
      break;
    }
    case kAccept4: {
      int client = socket(AF_INET, SOCK_STREAM, 0);
      if (client < 0) break;
      w.held.push_back({client, nullptr, nullptr, {"socket"}, "socket"});
      if (connect(client, (const sockaddr*)&addr, sizeof(addr)) != 0) {
        w.error = "connect failed";
        break;
      }
      int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"accept4"}, "socket"});
      else w.error = "accept4 failed";
      break;
    }
    case kDup3: {
      if (w.held.empty()) return create_one(w, kOpen, listener, addr);
      // Onto a number of its own, just opened, so no other thread's is replaced.
      const Held& src = w.held[w.held.size() / 2];
      int spare = open("/dev/null", O_RDONLY);
      if (spare < 0) break;
      if (dup3(src.fd, spare, O_CLOEXEC) == spare)
        w.held.push_back({spare, nullptr, nullptr, {"dup3"}, src.kind});
      else
        close(spare);
      break;
    }
    case kFcntlDupfd: {
      if (w.held.empty()) return create_one(w, kOpen, listener, addr);
      const Held& src = w.held[0];
      int fd = fcntl(src.fd, F_DUPFD_CLOEXEC, 3);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"fcntl", "fcntl64"}, src.kind});
      break;
    }
    case kEpoll: {
      int fd = epoll_create1(EPOLL_CLOEXEC);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"epoll_create1"}, "epoll"});
      break;
    }
    case kTimerfd: {
      int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"timerfd_create"}, "timerfd"});
      break;
    }
    case kSignalfd: {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGURG);
      int fd = signalfd(-1, &set, SFD_CLOEXEC);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"signalfd"}, "signalfd"});
      break;
    }
    case kInotify: {
      int fd = inotify_init1(IN_CLOEXEC);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"inotify_init1"}, "inotify"});
      break;
    }
    case kMemfd: {
      int fd = memfd_create("lc-threads", MFD_CLOEXEC);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"memfd_create"}, "memfd"});
      break;
    }
    case kMkstemp: {
      std::string tmpl = w.dir + "/mk.XXXXXX";
      int fd = mkstemp(tmpl.data());
      if (fd >= 0) {
        unlink(tmpl.c_str());
        w.held.push_back({fd, nullptr, nullptr, {"mkstemp", "mkstemp64"}, "file"});
      }
      break;
    }
    case kTmpfile: {
      FILE* fp = tmpfile();
      if (fp) w.held.push_back({fileno(fp), fp, nullptr, {"tmpfile", "tmpfile64"}, "file"});
      break;
    }
    case kRecvmsg: {
      // A descriptor sent to itself over a socket pair: the received copy
      // is recorded as recvmsg's.
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) break;
      int sent = open("/dev/null", O_RDONLY);
      char byte = 'x';
      iovec iov{&byte, 1};
      alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))] = {};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = ctrl;
      msg.msg_controllen = sizeof(ctrl);
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &sent, sizeof(int));
      bool ok = sent >= 0 && sendmsg(sv[0], &msg, 0) == 1;
      memset(ctrl, 0, sizeof(ctrl));
      msg.msg_controllen = sizeof(ctrl);
      if (ok && recvmsg(sv[1], &msg, MSG_CMSG_CLOEXEC) == 1 && CMSG_FIRSTHDR(&msg)) {
        int got;
        memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
        w.held.push_back({got, nullptr, nullptr, {"recvmsg"}, "chr"});
      } else {
        w.error = "SCM_RIGHTS round trip failed";
      }
      if (sent >= 0) close(sent);
      close(sv[0]);
      close(sv[1]);
      break;
    }
    case kOpenat: {
      int fd = openat(AT_FDCWD, w.file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) w.held.push_back({fd, nullptr, nullptr, {"openat", "openat64"}, "file"});
      break;
    }
    default: break;
  }
  ++w.created[f];
}

// The thread function every stack of the worker's descriptors goes through.
__attribute__((noinline)) void threads_worker_main(Worker* w) {
  pthread_setname_np(pthread_self(), w->name.c_str());
  w->tid = gettid();
  std::mt19937 rng(1000 + w->index);

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listener < 0 || bind(listener, (const sockaddr*)&addr, sizeof(addr)) != 0 ||
      listen(listener, 128) != 0 || getsockname(listener, (sockaddr*)&addr, &len) != 0) {
    w->error = "listener set-up failed";
    return;
  }
  Held l{listener, nullptr, nullptr, {"socket"}, "socket"};
  l.keep_forever = true;
  w->held.push_back(l);

  while (!w->stop->load(std::memory_order_relaxed)) {
    size_t n = w->held.size();
    if (n < 48 && rng() % 5 < 3) {
      create_one(*w, Family(rng() % kFamilies), listener, addr);
    } else if (n > 1) {
      size_t i = 1 + rng() % (n - 1);  // never the listener at 0
      release(w->held[i]);
      w->held.erase(w->held.begin() + i);
      ++w->closed;
    }
  }
  // One of each family, so that every family is among those kept.
  for (int f = 0; f < kFamilies; ++f) create_one(*w, Family(f), listener, addr);
}

TEST(LifecycleThreads, DumpListsExactlyTheOpenDescriptorsWithTheirThreadAndStack) {
  lifecycle::Watchdog watchdog(std::chrono::seconds(9));
  fdscope::test::TempDir tmp;
  std::string file = tmp.join("data.txt");
  FILE* mk = fopen(file.c_str(), "w");
  ASSERT_NE(mk, nullptr);
  fputs("x\n", mk);
  fclose(mk);

  const Dump before = fdscope::test::dump_now();
  const std::set<int> baseline = lifecycle::reportable_fds();

  std::atomic<bool> stop{false};
  std::vector<Worker> workers(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    workers[i].index = i;
    workers[i].dir = tmp.path();
    workers[i].file = file;
    workers[i].stop = &stop;
    workers[i].name = "lc-worker-" + std::to_string(i);
  }
  for (int i = 0; i < 4; ++i) threads.emplace_back(threads_worker_main, &workers[i]);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  for (auto& t : threads) t.join();

  // Each worker's last closes: a third of what it kept, through the family's
  // own release call. Their numbers are then taken again behind the shim's
  // back (raw dup3): the dump must show them untracked, never with the
  // closed descriptor's record.
  std::set<int> reused;
  std::mt19937 rng(99);
  for (Worker& w : workers) {
    for (size_t i = w.held.size(); i-- > 1;) {
      if (rng() % 3 != 0) continue;
      reused.insert(w.held[i].fd);
      release(w.held[i]);
      w.held.erase(w.held.begin() + i);
    }
  }
  ASSERT_FALSE(reused.empty());
  int raw = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
  ASSERT_GE(raw, 0);
  for (int fd : reused)
    if (fd != raw) {
      ASSERT_EQ(syscall(SYS_dup3, raw, fd, 0), fd);
    }
  if (!reused.count(raw)) syscall(SYS_close, raw);

  std::map<int, std::pair<const Worker*, const Held*>> expected;
  for (const Worker& w : workers) {
    ASSERT_EQ(w.error, "") << w.name;
    for (int f = 0; f < kFamilies; ++f) EXPECT_GT(w.created[f], 1) << w.name << " family " << f;
    EXPECT_GT(w.closed, 100) << w.name;
    for (const Held& h : w.held) {
      ASSERT_TRUE(expected.emplace(h.fd, std::make_pair(&w, &h)).second) << "fd " << h.fd;
      ASSERT_EQ(baseline.count(h.fd), 0u) << h.fd;
    }
  }
  for (int fd : reused) ASSERT_EQ(expected.count(fd), 0u) << fd;

  const Dump dump = fdscope::test::dump_now();
  const std::set<int> open_now = lifecycle::reportable_fds();

  // The test's own bookkeeping agrees with the kernel...
  std::set<int> want = baseline;
  for (const auto& [fd, owner] : expected) want.insert(fd);
  want.insert(reused.begin(), reused.end());
  ASSERT_EQ(open_now, want);
  // ... and the dump lists exactly what is open.
  EXPECT_EQ(lifecycle::dump_fds(dump), open_now)
      << "dump: " << lifecycle::join(lifecycle::dump_fds(dump))
      << "\nopen: " << lifecycle::join(open_now);
  EXPECT_EQ(dump.header.at("open").get<size_t>(), open_now.size());
  EXPECT_EQ(dump.header.at("tracked").get<size_t>(), dump.tracked().size());

  for (const auto& [fd, owner] : expected) {
    const auto& [w, h] = owner;
    const FdEntry* e = dump.find(fd);
    ASSERT_NE(e, nullptr) << "fd " << fd << " missing";
    ASSERT_TRUE(e->tracked) << "fd " << fd << " untracked";
    EXPECT_EQ(e->tid, w->tid) << "fd " << fd;
    EXPECT_EQ(e->thread, w->name) << "fd " << fd;
    EXPECT_EQ(h->calls.count(e->call), 1u) << "fd " << fd << " call " << e->call;
    EXPECT_EQ(e->kind, h->kind) << "fd " << fd;
    EXPECT_TRUE(dump.stack_has(e->stack, "threads_worker_main"))
        << "fd " << fd << ": " << dump.describe_stack(e->stack);
    if (h->fp && h->calls.count("fopen")) {
      EXPECT_EQ(e->target, file);
    }
    if (h->dir) {
      EXPECT_EQ(e->target, tmp.path());
    }
  }
  for (int fd : reused) {
    const FdEntry* e = dump.find(fd);
    ASSERT_NE(e, nullptr) << fd;
    EXPECT_FALSE(e->tracked) << "closed fd " << fd << " still reported as created by " << e->call
                             << " on thread " << e->thread;
    EXPECT_EQ(e->target, "/dev/null") << fd;
  }
  // Descriptors open before the threads ran are reported as they were.
  for (int fd : baseline) {
    const FdEntry* a = before.find(fd);
    const FdEntry* b = dump.find(fd);
    ASSERT_NE(a, nullptr) << fd;
    ASSERT_NE(b, nullptr) << fd;
    EXPECT_EQ(a->tracked, b->tracked) << fd;
    EXPECT_EQ(a->call, b->call) << fd;
    EXPECT_EQ(a->tid, b->tid) << fd;
    EXPECT_EQ(before.describe_stack(a->stack), dump.describe_stack(b->stack)) << fd;
  }

  for (Worker& w : workers)
    for (Held& h : w.held) release(h);
  for (int fd : reused) close(fd);
  EXPECT_EQ(lifecycle::reportable_fds(), baseline);
  EXPECT_EQ(lifecycle::dump_fds(fdscope::test::dump_now()), baseline);
}

}  // namespace
