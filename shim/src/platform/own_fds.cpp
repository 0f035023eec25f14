// SPDX-License-Identifier: MIT
#include "platform/own_fds.h"

#include <atomic>

namespace fdscope {
namespace {

constexpr int kMaxOwn = 8;
std::atomic<int> g_own[kMaxOwn] = {};  // fd + 1; 0 = free

}  // namespace

bool is_own_fd(int fd) {
  for (int i = 0; i < kMaxOwn; ++i)
    if (g_own[i].load(std::memory_order_relaxed) == fd + 1) return true;
  return false;
}

void add_own_fd(int fd) {
  for (int i = 0; i < kMaxOwn; ++i) {
    int expected = 0;
    if (g_own[i].compare_exchange_strong(expected, fd + 1)) return;
  }
}

void drop_own_fd(int fd) {
  for (int i = 0; i < kMaxOwn; ++i) {
    int expected = fd + 1;
    g_own[i].compare_exchange_strong(expected, 0);
  }
}

void drop_own_fds_in(unsigned first, unsigned last) {
  for (int i = 0; i < kMaxOwn; ++i) {
    int v = g_own[i].load(std::memory_order_relaxed) - 1;
    if (v >= 0 && (unsigned)v >= first && (unsigned)v <= last) drop_own_fd(v);
  }
}

int list_own_fds(int* out, int max) {
  int n = 0;
  for (int i = 0; i < kMaxOwn; ++i) {
    int v = g_own[i].load(std::memory_order_relaxed) - 1;
    if (v < 0) continue;
    if (n < max) out[n] = v;
    ++n;
  }
  return n;
}

}  // namespace fdscope
