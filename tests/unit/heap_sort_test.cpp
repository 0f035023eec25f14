// The dump's allocation-free heapsort.
#include <algorithm>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "util/heap_sort.h"

namespace fdscope {
namespace {

TEST(HeapSort, SortsLikeStdSortForAllSmallSizesAndRandomLarge) {
  std::mt19937 rng(1);
  for (size_t n = 0; n < 300; ++n) {
    for (int rep = 0; rep < 5; ++rep) {
      std::vector<uint64_t> v(n);
      for (auto& x : v) x = rep % 2 ? rng() % 4 : rng();  // many duplicates, or few
      std::vector<uint64_t> want = v;
      std::sort(want.begin(), want.end());
      heap_sort(v.data(), v.size(), [](uint64_t a, uint64_t b) { return a < b; });
      ASSERT_EQ(v, want) << n;
    }
  }
  std::vector<uint64_t> big(100000);
  for (auto& x : big) x = rng();
  std::vector<uint64_t> want = big;
  std::sort(want.begin(), want.end());
  heap_sort(big.data(), big.size(), [](uint64_t a, uint64_t b) { return a < b; });
  EXPECT_EQ(big, want);
}

TEST(HeapSort, AlreadySortedReversedAndCustomOrder) {
  std::vector<int> up(1000), down(1000);
  for (int i = 0; i < 1000; ++i) up[i] = i, down[i] = 999 - i;
  std::vector<int> want = up;
  heap_sort(up.data(), up.size(), [](int a, int b) { return a < b; });
  heap_sort(down.data(), down.size(), [](int a, int b) { return a < b; });
  EXPECT_EQ(up, want);
  EXPECT_EQ(down, want);
  heap_sort(up.data(), up.size(), [](int a, int b) { return a > b; });
  EXPECT_TRUE(std::is_sorted(up.begin(), up.end(), std::greater<int>()));

  struct Item { uint64_t key; int payload; };
  std::vector<Item> items;
  for (int i = 0; i < 500; ++i) items.push_back({(uint64_t)((i * 7919) % 101), i});
  heap_sort(items.data(), items.size(), [](const Item& a, const Item& b) { return a.key < b.key; });
  for (size_t i = 1; i < items.size(); ++i) ASSERT_LE(items[i - 1].key, items[i].key);
  std::vector<int> payloads;
  for (const Item& it : items) payloads.push_back(it.payload);
  std::sort(payloads.begin(), payloads.end());
  for (int i = 0; i < 500; ++i) ASSERT_EQ(payloads[i], i);  // a permutation: nothing lost
}

}  // namespace
}  // namespace fdscope
