// SPDX-License-Identifier: MIT
#include "pending.h"

#include <atomic>

namespace fdscope_node {
namespace {

// The threadpool side runs inside the library's open hook: no malloc, no
// blocking primitives; a spinlock over a small array is enough (the
// critical sections are a few dozen instructions).
class SpinLock {
 public:
  void lock() {
    while (flag_.exchange(true, std::memory_order_acquire)) {
    }
  }
  void unlock() { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

struct Guard {
  explicit Guard(SpinLock& l) : l_(l) { l_.lock(); }
  ~Guard() { l_.unlock(); }
  SpinLock& l_;
};

struct OpenEntry {
  uint32_t token;  // 0: free
  uint32_t context;
  bool taken;
};

constexpr unsigned kOpens = 256;  // more in flight: the oldest are forgotten
OpenEntry g_opens[kOpens];
unsigned g_head = 0;  // index of the oldest entry
unsigned g_count = 0;
uint32_t g_next_token = 1;
SpinLock g_open_lock;

struct WorkerEntry {
  uint64_t thread_id;
  uint32_t context;  // 0: free
};
constexpr unsigned kWorkers = 64;
WorkerEntry g_workers[kWorkers];
unsigned g_worker_next = 0;
SpinLock g_worker_lock;

void compact() {  // drops retired entries at the head
  while (g_count && g_opens[g_head].token == 0) {
    g_head = (g_head + 1) % kOpens;
    g_count--;
  }
}

}  // namespace

uint32_t pending_open_push(uint32_t context) {
  Guard g(g_open_lock);
  if (g_count == kOpens) {
    g_opens[g_head].token = 0;
    compact();
    if (g_count == kOpens) {  // compact() stopped at a live entry: drop it anyway
      g_head = (g_head + 1) % kOpens;
      g_count--;
    }
  }
  uint32_t token = g_next_token++;
  if (g_next_token == 0) g_next_token = 1;
  g_opens[(g_head + g_count) % kOpens] = OpenEntry{token, context, false};
  g_count++;
  return token;
}

uint32_t pending_open_take() {
  Guard g(g_open_lock);
  for (unsigned i = 0; i < g_count; i++) {
    OpenEntry& e = g_opens[(g_head + i) % kOpens];
    if (e.token && !e.taken) {
      e.taken = true;
      return e.context;
    }
  }
  return 0;
}

void pending_open_done(uint32_t token) {
  Guard g(g_open_lock);
  for (unsigned i = 0; i < g_count; i++) {
    OpenEntry& e = g_opens[(g_head + i) % kOpens];
    if (e.token == token) {
      e.token = 0;
      break;
    }
  }
  compact();
}

void worker_context_put(uint64_t thread_id, uint32_t context) {
  if (!context) return;
  Guard g(g_worker_lock);
  g_workers[g_worker_next] = WorkerEntry{thread_id, context};  // the oldest is overwritten
  g_worker_next = (g_worker_next + 1) % kWorkers;
}

uint32_t worker_context_take(uint64_t thread_id) {
  Guard g(g_worker_lock);
  for (auto& e : g_workers)
    if (e.context && e.thread_id == thread_id) {
      uint32_t c = e.context;
      e.context = 0;
      return c;
    }
  return 0;
}

}  // namespace fdscope_node
