// dup2 and dup3 onto descriptor numbers that other threads are replacing,
// closing and using at the same moment (the implicit close of the old
// descriptor races with every other thread's): no deadlock, and once the
// threads stop, the dump lists exactly what is open, each target number
// with a record of a racing thread's dup2 or dup3.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <random>

#include "lifecycle_util.h"

namespace {

using fdscope::test::Dump;

constexpr int kFirstTarget = 700;  // below any soft limit of 1024 or more
constexpr int kTargets = 8;

struct Racer {
  int index = 0;
  std::atomic<bool>* stop = nullptr;
  pid_t tid = 0;
  long replaced = 0, closed = 0;
  std::string error;
};

__attribute__((noinline)) void dup2_race_worker(Racer* r) {
  r->tid = gettid();
  std::mt19937 rng(77 + r->index);
  const int src = open("/dev/null", O_RDONLY);
  if (src < 0) {
    r->error = "open failed";
    return;
  }
  while (!r->stop->load(std::memory_order_relaxed)) {
    const int target = kFirstTarget + (int)(rng() % kTargets);
    switch (rng() % 6) {
      case 0:
      case 1:
        if (dup2(src, target) != target) r->error = "dup2 failed";
        ++r->replaced;
        break;
      case 2:
        if (dup3(src, target, O_CLOEXEC) != target) r->error = "dup3 failed";
        ++r->replaced;
        break;
      case 3:
        if (close(target) == 0) ++r->closed;
        break;
      case 4:
        fcntl(target, F_GETFD);  // in use by this thread, closed by another
        break;
      default: {
        // A fresh descriptor moved onto the number, then its own closed.
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0 && dup2(fd, target) != target) r->error = "dup2 of a fresh fd failed";
        if (fd >= 0) close(fd);
        ++r->replaced;
      }
    }
  }
  close(src);
}

TEST(LifecycleRaces, Dup2AndDup3OntoBusyDescriptors) {
  if (lifecycle::soft_fd_limit() < 1024) GTEST_SKIP() << "needs descriptor numbers up to 1023";
  lifecycle::Watchdog watchdog(std::chrono::seconds(30));
  const std::set<int> baseline = lifecycle::reportable_fds();
  for (int i = 0; i < kTargets; ++i) ASSERT_EQ(baseline.count(kFirstTarget + i), 0u);

  std::atomic<bool> stop{false};
  std::vector<Racer> racers(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    racers[i].index = i;
    racers[i].stop = &stop;
    threads.emplace_back(dup2_race_worker, &racers[i]);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& t : threads) t.join();

  std::set<pid_t> tids;
  for (const Racer& r : racers) {
    ASSERT_EQ(r.error, "") << "racer " << r.index;
    EXPECT_GT(r.replaced, 100) << "racer " << r.index;
    EXPECT_GT(r.closed, 10) << "racer " << r.index;
    tids.insert(r.tid);
  }

  const Dump dump = fdscope::test::dump_now();
  const std::set<int> open_now = lifecycle::reportable_fds();
  EXPECT_EQ(lifecycle::dump_fds(dump), open_now)
      << "dump: " << lifecycle::join(lifecycle::dump_fds(dump))
      << "\nopen: " << lifecycle::join(open_now);
  int still_open = 0;
  for (int i = 0; i < kTargets; ++i) {
    const int fd = kFirstTarget + i;
    if (!open_now.count(fd)) continue;
    ++still_open;
    const fdscope::test::FdEntry* e = dump.find(fd);
    ASSERT_NE(e, nullptr) << fd;
    ASSERT_TRUE(e->tracked) << fd;
    EXPECT_TRUE(e->call == "dup2" || e->call == "dup3") << fd << " call " << e->call;
    EXPECT_EQ(e->target, "/dev/null") << fd;
    EXPECT_EQ(tids.count((pid_t)e->tid), 1u) << fd << " tid " << e->tid;
    EXPECT_TRUE(dump.stack_has(e->stack, "dup2_race_worker")) << fd << ": " << dump.describe_stack(e->stack);
  }
  // Everything else is as it was before the race.
  std::set<int> rest = open_now;
  for (int i = 0; i < kTargets; ++i) rest.erase(kFirstTarget + i);
  EXPECT_EQ(rest, baseline);

  for (int i = 0; i < kTargets; ++i) close(kFirstTarget + i);
  EXPECT_EQ(lifecycle::reportable_fds(), baseline);
  EXPECT_EQ(lifecycle::dump_fds(fdscope::test::dump_now()), baseline) << still_open << " closed";
}

}  // namespace
