// SPDX-License-Identifier: MIT
#include "platform/own_fds.h"

#include <stdint.h>

#include <atomic>

namespace fdscope {
namespace {

constexpr int kMaxOwn = 8;
std::atomic<int> g_own[kMaxOwn] = {};  // fd + 1; 0 = free
// Bit fd % 64 of every own fd: is_own_fd runs on every create and close,
// and the answer is nearly always no, from this one load.
std::atomic<uint64_t> g_mask{0};

uint64_t bit_of(int fd) { return uint64_t(1) << ((unsigned)fd & 63); }

// After a slot was freed. A slot is stored before its bit is set, so a CAS
// that fails because an add set a bit meanwhile rescans and sees its slot.
void recompute_mask() {
  uint64_t old = g_mask.load(std::memory_order_relaxed), fresh;
  do {
    fresh = 0;
    for (int i = 0; i < kMaxOwn; ++i)
      if (int v = g_own[i].load(std::memory_order_relaxed)) fresh |= bit_of(v - 1);
  } while (!g_mask.compare_exchange_weak(old, fresh, std::memory_order_acq_rel));
}

}  // namespace

bool is_own_fd(int fd) {
  if (fd < 0 || !(g_mask.load(std::memory_order_acquire) & bit_of(fd))) return false;
  for (int i = 0; i < kMaxOwn; ++i)
    if (g_own[i].load(std::memory_order_relaxed) == fd + 1) return true;
  return false;
}

void add_own_fd(int fd) {
  for (int i = 0; i < kMaxOwn; ++i) {
    int expected = 0;
    if (g_own[i].compare_exchange_strong(expected, fd + 1)) {
      g_mask.fetch_or(bit_of(fd), std::memory_order_acq_rel);
      return;
    }
  }
}

void drop_own_fd(int fd) {
  bool dropped = false;
  for (int i = 0; i < kMaxOwn; ++i) {
    int expected = fd + 1;
    dropped |= g_own[i].compare_exchange_strong(expected, 0);
  }
  if (dropped) recompute_mask();
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
