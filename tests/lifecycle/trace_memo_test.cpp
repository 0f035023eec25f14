// The capture's memo (shim/src/stacks/trace_memo.h) must never hand out a
// stack it kept for another path. The sharpest case: one site reached
// through two callers whose frames are laid out alike, so the capture
// starts from the same return address, stack pointer and frame pointer
// both times, and only a word further up (the return address into
// top_a or top_b) tells the paths apart. This file is built with frame
// pointers and without identical-code folding (CMakeLists.txt), so the
// starts really are equal; StartsAreEqual checks that they are.
#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "lifecycle_util.h"

namespace {

using fdscope::test::Dump;

thread_local std::vector<int> g_fds;
thread_local const void* g_site_frame[2];

__attribute__((noinline)) void open_site() {
  g_site_frame[g_fds.size() % 2] = __builtin_frame_address(0);
  g_fds.push_back(open("/dev/null", O_RDONLY));
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void middle() {
  open_site();
  __asm__ volatile("" ::: "memory");
}

// Alike but not identical (the constants differ), so neither is folded
// into the other.
thread_local volatile int g_sink;
__attribute__((noinline)) void top_a() {
  middle();
  g_sink = 1;
}
__attribute__((noinline)) void top_b() {
  middle();
  g_sink = 2;
}
__attribute__((noinline)) void top_c() {
  middle();
  g_sink = 3;
}

__attribute__((noinline)) void drive(char which) {
  switch (which) {
    case 'a': top_a(); break;
    case 'b': top_b(); break;
    default: top_c(); break;
  }
}

// Tracked descriptors of this run by the top_* function on their stack.
std::map<std::string, int> by_top(const Dump& d) {
  std::map<std::string, int> n;
  for (const auto* e : d.tracked()) {
    if (std::find(g_fds.begin(), g_fds.end(), e->fd) == g_fds.end()) continue;
    std::string top = "none";
    int tops = 0;
    for (const char* t : {"top_a", "top_b", "top_c"})
      if (d.stack_has(e->stack, t)) top = t, ++tops;
    if (tops != 1 || !d.stack_has(e->stack, "open_site") || !d.stack_has(e->stack, "middle"))
      top = "wrong: " + d.describe_stack(e->stack);
    ++n[top];
  }
  return n;
}

void run(const std::string& pattern) {
  for (char c : pattern) drive(c);
}

void close_all() {
  for (int fd : g_fds) close(fd);
  g_fds.clear();
}

}  // namespace

TEST(LifecycleTraceMemo, StartsAreEqual) {
  run("ab");
  EXPECT_EQ(g_site_frame[0], g_site_frame[1]) << "the test's premise: the same frame both times";
  close_all();
}

TEST(LifecycleTraceMemo, AlternatingCallersKeepTheirOwnStacks) {
  ASSERT_TRUE(fdscope::test::shim_loaded());
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "ab";  // both entries, same start
  pattern += "aaaaabbbbb";                         // runs of each
  for (int i = 0; i < 20; ++i) pattern += "abc";  // three paths through two entries
  run(pattern);
  std::map<std::string, int> want{{"top_a", 50 + 5 + 20}, {"top_b", 50 + 5 + 20}, {"top_c", 20}};
  EXPECT_EQ(by_top(fdscope::test::dump_now()), want);
  close_all();
}

TEST(LifecycleTraceMemo, ThreadsKeepMemosOfTheirOwn) {
  ASSERT_TRUE(fdscope::test::shim_loaded());
  // Two threads at once, each through its own path.
  std::vector<int> fds_a;
  std::thread t([&] {
    for (int i = 0; i < 500; ++i) drive('a');
    fds_a = g_fds;
    g_fds.clear();
  });
  for (int i = 0; i < 500; ++i) drive('b');
  t.join();
  g_fds.insert(g_fds.end(), fds_a.begin(), fds_a.end());
  std::map<std::string, int> want{{"top_a", 500}, {"top_b", 500}};
  EXPECT_EQ(by_top(fdscope::test::dump_now()), want);
  close_all();
}
