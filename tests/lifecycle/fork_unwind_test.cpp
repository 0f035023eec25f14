// fork while other threads are inside the unwinder's slow path (parsing
// unwind tables for frames their trace cache has not seen, holding
// libunwind's pool locks and glibc's dl_iterate_phdr lock): the child's own
// first unwinds, through frames nobody unwound before, must not wait for a
// lock that no thread of the child will ever release. Before the fix about
// one fork in 200-600 left a child hung here.
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include "lifecycle_util.h"

namespace {

// Distinct functions: each one's return address is new to an unwinder.
template <int N>
__attribute__((noinline)) int fresh_site() {
  int fd = open("/dev/null", O_RDONLY);
  __asm__ volatile("" ::: "memory");
  return fd;
}

template <int... N>
constexpr auto site_table(std::integer_sequence<int, N...>) {
  return std::array<int (*)(), sizeof...(N)>{&fresh_site<N>...};
}
constexpr auto kSites = site_table(std::make_integer_sequence<int, 256>{});

std::atomic<bool> g_stop{false};

void* one_site(void* arg) {
  int fd = kSites[(size_t)arg % kSites.size()]();
  if (fd >= 0) close(fd);
  return nullptr;
}

// A new thread each time: its trace cache is empty, so every unwind it
// makes takes the slow path.
void keep_unwinding_slowly(size_t seed) {
  for (size_t i = seed; !g_stop.load(); i += 7) {
    pthread_t t;
    if (pthread_create(&t, nullptr, one_site, (void*)i) == 0) pthread_join(t, nullptr);
  }
}

}  // namespace

TEST(LifecycleFork, ForkWhileThreadsParseUnwindTablesDoesNotHangTheChild) {
  lifecycle::Watchdog watchdog(std::chrono::seconds(20));
  std::thread a(keep_unwinding_slowly, 0), b(keep_unwinding_slowly, 3);
  int forks = 0, hung = 0, failed = 0;
  // 4 s of forks, and at least 50 however slow a fork is (a sanitizer
  // build's shadow memory makes each one slow).
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  for (; forks < 600 && (std::chrono::steady_clock::now() < end || forks < 50); ++forks) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int fd = kSites[(size_t)(forks * 13 + 5) % kSites.size()]();  // new to this thread too
      _exit(fd >= 0 ? 0 : 1);
    }
    auto status = fdscope::test::wait_child(pid, std::chrono::seconds(2));
    if (!status) {
      ++hung;
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    } else if (*status != 0) {
      ++failed;
    }
  }
  g_stop = true;
  a.join();
  b.join();
  EXPECT_GE(forks, 50);
  EXPECT_EQ(hung, 0) << "of " << forks << " children";
  EXPECT_EQ(failed, 0) << "of " << forks << " children";
}
