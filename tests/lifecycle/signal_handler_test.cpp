// A signal handler that opens and closes descriptors, interrupting a main
// thread that does the same (possibly inside the shim): no deadlock, and
// the final dump lists exactly what is open.
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <random>

#include "lifecycle_util.h"

namespace {

using fdscope::test::Dump;

volatile sig_atomic_t g_handler_kept = -1;
std::atomic<int> g_handler_runs{0};
std::atomic<int> g_handler_failures{0};

// Only async-signal-safe calls: open, pipe2, dup, socket, close.
void alarm_handler(int) {
  int saved = errno;
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int p[2];
  if (pipe2(p, O_CLOEXEC) == 0) {
    int d = dup(p[1]);
    close(p[0]);
    close(p[1]);
    if (d >= 0) close(d);
  } else {
    g_handler_failures.fetch_add(1);
  }
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s >= 0) close(s);
  if (fd < 0) {
    g_handler_failures.fetch_add(1);
  } else {
    int old = g_handler_kept;
    g_handler_kept = fd;  // the newest stays open
    if (old >= 0) close(old);
  }
  g_handler_runs.fetch_add(1);
  errno = saved;
}

struct Kept {
  int fd;
  FILE* fp;
};

// Runs until the handler has run `handler_runs` times (a count, not a
// time: a loaded machine delivers fewer signals a second), or for `cap`.
__attribute__((noinline)) std::vector<Kept> signal_stress_main_loop(int handler_runs,
                                                                    std::chrono::milliseconds cap) {
  std::mt19937 rng(7);
  std::vector<Kept> kept;
  auto end = std::chrono::steady_clock::now() + cap;
  while (g_handler_runs.load() < handler_runs && std::chrono::steady_clock::now() < end) {
    switch (rng() % 4) {
      case 0: {
        int fd = open("/dev/null", O_RDONLY);
        if (fd >= 0) kept.push_back({fd, nullptr});
        break;
      }
      case 1: {
        FILE* fp = fopen("/dev/null", "r");
        if (fp) kept.push_back({fileno(fp), fp});
        break;
      }
      case 2: {
        int p[2];
        if (pipe(p) == 0) kept.push_back({p[0], nullptr}), kept.push_back({p[1], nullptr});
        break;
      }
      default:
        if (!kept.empty()) {
          size_t i = rng() % kept.size();
          if (kept[i].fp) fclose(kept[i].fp);
          else close(kept[i].fd);
          kept.erase(kept.begin() + i);
        }
    }
    while (kept.size() > 60) {
      if (kept.front().fp) fclose(kept.front().fp);
      else close(kept.front().fd);
      kept.erase(kept.begin());
    }
  }
  return kept;
}

TEST(LifecycleSignalHandler, HandlerOpeningAndClosingWhileMainDoesTooNeitherDeadlocksNorLeaks) {
  lifecycle::Watchdog watchdog(std::chrono::seconds(9));
  const std::set<int> baseline = lifecycle::reportable_fds();

  struct sigaction sa{}, old{};
  sa.sa_handler = alarm_handler;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGALRM, &sa, &old), 0);
  // Every 2 ms: a handler unwinds through the signal frame (libunwind's
  // slow path, ~0.1-0.5 ms for its ten calls here), and a period shorter
  // than that would leave the main loop no time at all.
  itimerval every{{0, 2000}, {0, 2000}};
  ASSERT_EQ(setitimer(ITIMER_REAL, &every, nullptr), 0);

  constexpr int kHandlerRuns = 300;
  std::vector<Kept> kept = signal_stress_main_loop(kHandlerRuns, std::chrono::milliseconds(6000));

  itimerval off{};
  ASSERT_EQ(setitimer(ITIMER_REAL, &off, nullptr), 0);
  ASSERT_EQ(sigaction(SIGALRM, &old, nullptr), 0);

  EXPECT_GE(g_handler_runs.load(), kHandlerRuns) << "the signals came too slowly even for 6 s";
  EXPECT_EQ(g_handler_failures.load(), 0);
  const int handler_fd = g_handler_kept;
  ASSERT_GE(handler_fd, 0);

  const Dump dump = fdscope::test::dump_now();
  const std::set<int> open_now = lifecycle::reportable_fds();
  std::set<int> want = baseline;
  for (const Kept& k : kept) want.insert(k.fd);
  want.insert(handler_fd);
  ASSERT_EQ(open_now, want);
  EXPECT_EQ(lifecycle::dump_fds(dump), open_now)
      << "dump: " << lifecycle::join(lifecycle::dump_fds(dump))
      << "\nopen: " << lifecycle::join(open_now);

  const pid_t me = gettid();
  for (const Kept& k : kept) {
    const auto* e = dump.find(k.fd);
    ASSERT_NE(e, nullptr) << k.fd;
    ASSERT_TRUE(e->tracked) << k.fd;
    EXPECT_EQ(e->tid, me);
    EXPECT_TRUE(dump.stack_has(e->stack, "signal_stress_main_loop"))
        << "fd " << k.fd << " (" << e->call << "): " << dump.describe_stack(e->stack);
  }
  const auto* h = dump.find(handler_fd);
  ASSERT_NE(h, nullptr);
  ASSERT_TRUE(h->tracked);
  EXPECT_EQ(h->call, "open");
  EXPECT_EQ(h->flags & O_CLOEXEC, O_CLOEXEC);

  for (const Kept& k : kept) k.fp ? fclose(k.fp) : close(k.fd);
  close(handler_fd);
  EXPECT_EQ(lifecycle::dump_fds(fdscope::test::dump_now()), baseline);
}

}  // namespace
