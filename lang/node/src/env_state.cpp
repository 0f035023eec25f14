// SPDX-License-Identifier: MIT
#include "env_state.h"

#include <atomic>

namespace fdscope_node {
namespace {

// Main thread plus worker threads alive at once; more workers than this
// simply get no synchronous stacks.
constexpr unsigned kMaxEnvs = 256;
std::atomic<EnvState*> g_envs[kMaxEnvs];
std::atomic<unsigned> g_used{0};  // slots at or above are empty: scans stop there

}  // namespace

bool register_env(EnvState* st) {
  for (unsigned i = 0; i < kMaxEnvs; i++) {
    EnvState* expected = nullptr;
    if (g_envs[i].compare_exchange_strong(expected, st, std::memory_order_acq_rel)) {
      unsigned used = g_used.load(std::memory_order_relaxed);
      while (used < i + 1 && !g_used.compare_exchange_weak(used, i + 1, std::memory_order_acq_rel)) {
      }
      return true;
    }
  }
  return false;
}

void unregister_env(EnvState* st) {
  for (auto& slot : g_envs) {
    EnvState* expected = st;
    if (slot.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel)) return;
  }
}

EnvState* find_env(void* isolate) {
  unsigned used = g_used.load(std::memory_order_acquire);
  for (unsigned i = 0; i < used; i++) {
    EnvState* st = g_envs[i].load(std::memory_order_acquire);
    if (st && st->isolate == isolate) return st;
  }
  return nullptr;
}

}  // namespace fdscope_node
