// close_range while other threads create descriptors in and around the
// range. The library clears, after the call, the records older than it: a
// descriptor created meanwhile keeps its record, except one created in
// the same tick of the coarse clock (documented: it shows untracked). So:
// no deadlock; once the threads stop, the dump lists exactly what is open,
// and every record in the range is a creator's; a CLOSE_RANGE_CLOEXEC call
// (which closes nothing) drops no record; after a last close_range, numbers
// taken behind the library's back show untracked, never with an old record.
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <random>
#include <string>

#include "lifecycle_util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace {

using fdscope::test::Dump;

constexpr unsigned kFirst = 600, kLast = 663;  // below any soft limit of 1024 or more

struct Creator {
  int index = 0;
  std::atomic<bool>* stop = nullptr;
  pid_t tid = 0;
  long created = 0;
  std::string error;
};

__attribute__((noinline)) void close_range_race_creator(Creator* c) {
  c->tid = gettid();
  std::mt19937 rng(31 + c->index);
  while (!c->stop->load(std::memory_order_relaxed)) {
    // Outside the range: created and closed by this thread alone.
    int fd = open("/dev/null", O_RDONLY);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || s < 0) {
      c->error = "open or socket failed";
      return;
    }
    const int target = (int)(kFirst + rng() % (kLast - kFirst + 1));
    if (rng() % 2) {
      // EBUSY is the kernel's own answer when another thread has allocated
      // `target` and not yet installed its file (dup2(2), "Linux only"); a
      // plain run gets it too, so the creator retries as a program would.
      int r;
      do r = dup2(fd, target);
      while (r < 0 && errno == EBUSY);
      if (r != target) c->error = "dup2 failed: " + std::string(strerror(errno));
    } else {
      int moved = fcntl(s, F_DUPFD_CLOEXEC, (int)kFirst);
      if (moved > (int)kLast) close(moved);  // the range is full: not ours to keep
    }
    ++c->created;
    close(s);
    close(fd);
  }
}

__attribute__((noinline)) void close_range_race_closer(std::atomic<bool>* stop, long* calls,
                                                       std::string* error) {
  for (unsigned i = 0; !stop->load(std::memory_order_relaxed); ++i) {
    const unsigned flags = i % 4 == 3 ? CLOSE_RANGE_CLOEXEC : 0;
    if (close_range(kFirst, kLast, flags) != 0) *error = "close_range failed";
    ++*calls;
    std::this_thread::yield();
  }
}

TEST(LifecycleRaces, CloseRangeAgainstConcurrentCreation) {
  if (lifecycle::soft_fd_limit() < 1024) GTEST_SKIP() << "needs descriptor numbers up to 1023";
  lifecycle::Watchdog watchdog(std::chrono::seconds(30));
  const std::set<int> baseline = lifecycle::reportable_fds();
  for (unsigned fd = kFirst; fd <= kLast; ++fd) ASSERT_EQ(baseline.count((int)fd), 0u);

  std::atomic<bool> stop{false};
  std::vector<Creator> creators(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    creators[i].index = i;
    creators[i].stop = &stop;
    threads.emplace_back(close_range_race_creator, &creators[i]);
  }
  long closer_calls = 0;
  std::string closer_error;
  threads.emplace_back(close_range_race_closer, &stop, &closer_calls, &closer_error);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& t : threads) t.join();

  ASSERT_EQ(closer_error, "");
  EXPECT_GT(closer_calls, 100);
  std::set<pid_t> tids;
  for (const Creator& c : creators) {
    ASSERT_EQ(c.error, "") << "creator " << c.index;
    EXPECT_GT(c.created, 100) << "creator " << c.index;
    tids.insert(c.tid);
  }

  const Dump dump = fdscope::test::dump_now();
  const std::set<int> open_now = lifecycle::reportable_fds();
  EXPECT_EQ(lifecycle::dump_fds(dump), open_now)
      << "dump: " << lifecycle::join(lifecycle::dump_fds(dump))
      << "\nopen: " << lifecycle::join(open_now);
  std::set<int> in_range;
  for (int fd : open_now)
    if (fd >= (int)kFirst && fd <= (int)kLast) in_range.insert(fd);
  for (int fd : in_range) {
    const fdscope::test::FdEntry* e = dump.find(fd);
    ASSERT_NE(e, nullptr) << fd;
    if (!e->tracked) continue;  // created in the tick of a close_range
    EXPECT_TRUE(e->call == "dup2" || e->call == "fcntl") << fd << " call " << e->call;
    EXPECT_EQ(tids.count((pid_t)e->tid), 1u) << fd << " tid " << e->tid;
    EXPECT_TRUE(dump.stack_has(e->stack, "close_range_race_creator"))
        << fd << ": " << dump.describe_stack(e->stack);
  }
  std::set<int> rest = open_now;
  for (int fd : in_range) rest.erase(fd);
  EXPECT_EQ(rest, baseline);

  // Unhurried now: CLOSE_RANGE_CLOEXEC closes nothing and drops no record;
  // after a real close_range, numbers taken with raw system calls are
  // untracked.
  const int src = open("/dev/null", O_RDONLY);
  ASSERT_GE(src, 0);
  ASSERT_EQ(close_range(kFirst, kLast, 0), 0);
  ASSERT_EQ(dup2(src, (int)kFirst), (int)kFirst);
  ASSERT_EQ(close_range(kFirst, kLast, CLOSE_RANGE_CLOEXEC), 0);
  const Dump kept = fdscope::test::dump_now();
  ASSERT_NE(kept.find((int)kFirst), nullptr);
  EXPECT_TRUE(kept.find((int)kFirst)->tracked);
  EXPECT_EQ(kept.find((int)kFirst)->call, "dup2");

  ASSERT_EQ(close_range(kFirst, kLast, 0), 0);
  ASSERT_EQ(syscall(SYS_dup3, src, (int)kFirst, 0), (long)kFirst);
  ASSERT_EQ(syscall(SYS_dup3, src, (int)kLast, 0), (long)kLast);
  const Dump after = fdscope::test::dump_now();
  for (int fd : {(int)kFirst, (int)kLast}) {
    ASSERT_NE(after.find(fd), nullptr) << fd;
    EXPECT_FALSE(after.find(fd)->tracked) << fd << " kept the record of " << after.find(fd)->call;
  }
  syscall(SYS_close, (int)kFirst);
  syscall(SYS_close, (int)kLast);
  close(src);
  EXPECT_EQ(lifecycle::reportable_fds(), baseline);
}

}  // namespace
