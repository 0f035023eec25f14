// Interned call stacks: the same frames give the same id, different frames a
// different one, and threads interning overlapping sets agree on every id.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <map>
#include <random>
#include <set>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "stacks/stack_store.h"
#include "util/tiered_index.h"

namespace fdscope {
namespace {

// Frames unlikely to collide with other tests' stacks in this process.
std::vector<uintptr_t> frames_for(uint64_t seed, unsigned depth) {
  std::vector<uintptr_t> f(depth);
  std::mt19937_64 rng(seed);
  for (auto& x : f) x = 0x400000 + (rng() & 0xffffffffff);
  return f;
}

std::vector<uintptr_t> stored(uint32_t id) {
  StackView v = stack_frames(id);
  return std::vector<uintptr_t>(v.frames, v.frames + v.depth);
}

TEST(StackStore, SameFramesSameIdDifferentFramesDifferentId) {
  auto a = frames_for(101, 12);
  auto b = a;
  b[11] ^= 1;  // differs in the outermost frame only
  auto c = std::vector<uintptr_t>(a.begin(), a.begin() + 11);  // a prefix
  uint32_t count0 = stack_count();
  uint32_t ia = intern_stack(a.data(), (unsigned)a.size());
  uint32_t ib = intern_stack(b.data(), (unsigned)b.size());
  uint32_t ic = intern_stack(c.data(), (unsigned)c.size());
  ASSERT_NE(ia, 0u);
  ASSERT_NE(ib, 0u);
  ASSERT_NE(ic, 0u);
  EXPECT_NE(ia, ib);
  EXPECT_NE(ia, ic);
  EXPECT_NE(ib, ic);
  EXPECT_EQ(stack_count(), count0 + 3);
  auto a_copy = a;  // equal contents at another address
  EXPECT_EQ(intern_stack(a_copy.data(), (unsigned)a_copy.size()), ia);
  EXPECT_EQ(intern_stack(b.data(), (unsigned)b.size()), ib);
  EXPECT_EQ(stack_count(), count0 + 3);
  EXPECT_EQ(stored(ia), a);
  EXPECT_EQ(stored(ib), b);
  EXPECT_EQ(stored(ic), c);
}

TEST(StackStore, EmptyAndUnknownStacks) {
  uintptr_t f = 0x1234;
  EXPECT_EQ(intern_stack(&f, 0), 0u);
  EXPECT_EQ(stack_frames(0).depth, 0u);
  EXPECT_EQ(stack_frames(0xfffffff0u).depth, 0u);
}

TEST(StackStore, DeeperThanTheMaximumIsCutToIt) {
  auto deep = frames_for(202, kMaxDepth + 10);
  uint32_t id = intern_stack(deep.data(), (unsigned)deep.size());
  ASSERT_NE(id, 0u);
  EXPECT_EQ(stored(id), std::vector<uintptr_t>(deep.begin(), deep.begin() + kMaxDepth));
  EXPECT_EQ(intern_stack(deep.data(), kMaxDepth), id);
  EXPECT_EQ(intern_stack(deep.data(), 1), intern_stack(deep.data(), 1));
  EXPECT_NE(intern_stack(deep.data(), 1), id);
}

// 12,000 stacks fill the first two index tiers (512, 8,192) and go on in
// the third: every one keeps its id and frames, and is found again in
// whichever tier it went to.
TEST(StackStore, StacksBeyondTheFirstIndexesAreKeptAndFoundAgain) {
  constexpr unsigned kStacks = 12000;
  static_assert(kStacks > StackIndex::holds(0) + StackIndex::holds(1));
  const uint32_t count0 = stack_count();
  std::vector<uint32_t> ids(kStacks);
  std::set<uint32_t> distinct;
  for (unsigned i = 0; i < kStacks; ++i) {
    auto f = frames_for(900000 + i, 3 + i % 5);
    ids[i] = intern_stack(f.data(), (unsigned)f.size());
    ASSERT_NE(ids[i], 0u) << "stack " << i;
    distinct.insert(ids[i]);
  }
  EXPECT_EQ(distinct.size(), kStacks);
  EXPECT_EQ(stack_count(), count0 + kStacks);
  for (unsigned i = 0; i < kStacks; ++i) {
    auto f = frames_for(900000 + i, 3 + i % 5);
    ASSERT_EQ(intern_stack(f.data(), (unsigned)f.size()), ids[i]) << "stack " << i;
    ASSERT_EQ(stored(ids[i]), f) << "stack " << i;
  }
  EXPECT_EQ(stack_count(), count0 + kStacks);
}

TEST(StackStore, ConcurrentInterningAgreesOnIds) {
  constexpr int kThreads = 8;
  constexpr int kStacks = 3000;
  std::vector<std::vector<uintptr_t>> stacks;
  for (int i = 0; i < kStacks; ++i) stacks.push_back(frames_for(1000000 + i, 1 + i % 40));
  uint32_t count0 = stack_count();

  std::vector<std::vector<uint32_t>> ids(kThreads, std::vector<uint32_t>(kStacks));
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread interns an overlapping subset in its own order, twice.
      std::vector<int> order;
      for (int i = 0; i < kStacks; ++i)
        if (i % kThreads != t || t == 0) order.push_back(i);
      std::shuffle(order.begin(), order.end(), std::mt19937(t));
      start.arrive_and_wait();
      for (int pass = 0; pass < 2; ++pass)
        for (int i : order) {
          uint32_t id = intern_stack(stacks[i].data(), (unsigned)stacks[i].size());
          if (pass == 1 && ids[t][i] != id) id = 0;  // unstable: caught below
          ids[t][i] = id;
        }
    });
  }
  for (auto& th : threads) th.join();

  std::set<uint32_t> distinct;
  for (int i = 0; i < kStacks; ++i) {
    uint32_t id = ids[0][i];  // thread 0 interned every stack
    ASSERT_NE(id, 0u) << i;
    for (int t = 1; t < kThreads; ++t)
      if (i % kThreads != t) {
        ASSERT_EQ(ids[t][i], id) << "stack " << i << " thread " << t;
      }
    ASSERT_EQ(stored(id), stacks[i]) << i;
    distinct.insert(id);
  }
  EXPECT_EQ(distinct.size(), (size_t)kStacks);
  EXPECT_EQ(stack_count(), count0 + kStacks);
  for (int i = 0; i < kStacks; ++i)
    ASSERT_EQ(intern_stack(stacks[i].data(), (unsigned)stacks[i].size()), ids[0][i]);
}

// The moment the first index tier fills. Thread A chooses the first tier
// for a new stack S while it is open, and is held there (the index's test
// hook); another stack fills the tier; thread B, finding it full, interns S
// in the second; then A goes on. Both must get one id for S. Without the
// seal B leaves on S's slot in the first tier, A would put S there too and
// the one stack would have two ids. The store is process-wide, so
// this runs in a fresh process (a threadsafe death test re-executes this
// binary for it).
std::atomic<std::thread::id> g_held_thread;
std::atomic<int> g_held{0};  // 1: A is held, 2: let it go

void hold_chosen_thread(unsigned tier, bool open) {
  if (std::this_thread::get_id() != g_held_thread.load() || tier != 0 || !open) return;
  g_held.store(1);
  while (g_held.load() != 2) std::this_thread::yield();
}

[[noreturn]] void intern_across_the_crossing() {
  constexpr uint32_t kFirstIndexHolds = StackIndex::holds(0);
  for (uint64_t i = 0; stack_count() < kFirstIndexHolds - 1; ++i) {
    auto f = frames_for(5000000 + i, 4);
    intern_stack(f.data(), (unsigned)f.size());
  }
  auto s = frames_for(6000000, 6), t = frames_for(6000001, 6);
  tiered_index_after_choice = hold_chosen_thread;
  uint32_t id_a = 0;
  std::atomic<bool> go{false};
  std::thread a([&] {
    while (!go.load()) std::this_thread::yield();
    id_a = intern_stack(s.data(), (unsigned)s.size());
  });
  g_held_thread.store(a.get_id());
  go.store(true);
  while (g_held.load() != 1) std::this_thread::yield();
  uint32_t id_t = intern_stack(t.data(), (unsigned)t.size());  // the small index is full
  uint32_t id_b = 0;
  std::thread b([&] { id_b = intern_stack(s.data(), (unsigned)s.size()); });
  b.join();
  g_held.store(2);
  a.join();
  uint32_t again = intern_stack(s.data(), (unsigned)s.size());
  fprintf(stderr, "count %u, t %u, S: A %u, B %u, again %u\n", stack_count(), id_t, id_a, id_b,
          again);
  bool ok = stack_count() == kFirstIndexHolds + 1 && id_t != 0 && id_b != 0 && id_a == id_b &&
            again == id_b && stored(id_b) == s;
  fprintf(stderr, ok ? "one id\n" : "ids differ\n");
  std::_Exit(ok ? 0 : 1);
}

TEST(StackStore, AStackInternedAsTheFirstIndexFillsGetsOneId) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ASSERT_EXIT(intern_across_the_crossing(), ::testing::ExitedWithCode(0), "one id");
}

TEST(StackStore, AHintIsComparedNeverTrusted) {
  uintptr_t a[3] = {0x91000, 0x92000, 0x93000};
  uintptr_t b[3] = {0x91000, 0x92000, 0x94000};  // differs in the outermost frame
  uint32_t hint = 0;
  uint32_t ia = intern_stack_hinted(a, 3, &hint);
  EXPECT_EQ(ia, intern_stack(a, 3));
  EXPECT_EQ(hint, ia);
  EXPECT_EQ(intern_stack_hinted(a, 3, &hint), ia) << "the hint's own stack";
  uint32_t ib = intern_stack_hinted(b, 3, &hint);
  EXPECT_NE(ib, ia) << "a stale hint is not taken";
  EXPECT_EQ(ib, intern_stack(b, 3));
  EXPECT_EQ(hint, ib);
  EXPECT_EQ(intern_stack_hinted(a, 2, &hint), intern_stack(a, 2)) << "nor one of another depth";
  hint = 0x7fffffff;  // not an id at all
  EXPECT_EQ(intern_stack_hinted(a, 3, &hint), ia);
}

}  // namespace
}  // namespace fdscope
