// SPDX-License-Identifier: MIT
#include "capturer.h"

#include <errno.h>
#include <pthread.h>

#include <atomic>

#include "capture.h"
#include "env_state.h"
#include "pending.h"
#include "v8_api.h"

namespace fdscope_node {
namespace {

// A fork child of node (libuv's uv_spawn, between fork and exec) is a copy
// of one thread of a multi-threaded process: V8 must not run there (its
// stack walk crashes, its GC waits for threads that do not exist). libuv's
// own child handler, registered before ours, opens a pipe, so the flag is
// raised in the prepare handler (those run in reverse order: ours first)
// and lowered again in the parent only.
std::atomic<bool> g_forked{false};
void on_fork_prepare() { g_forked.store(true, std::memory_order_relaxed); }
void on_fork_parent() { g_forked.store(false, std::memory_order_relaxed); }

}  // namespace

void install_fork_guard() {
  static bool installed = false;
  if (!installed) installed = pthread_atfork(on_fork_prepare, on_fork_parent, nullptr) == 0;
}

uint32_t capture_for_descriptor(enum fdscope_lang_call call, int) {
  if (g_forked.load(std::memory_order_relaxed)) return 0;
  const int saved_errno = errno;
  uint32_t stack = 0;
  const V8Api* v8 = v8_api();
  if (!v8) return 0;  // no way to tell loop threads from pool threads
  void* isolate = v8->try_get_current();
  if (EnvState* st = isolate ? find_env(isolate) : nullptr) {
    // A thread whose isolate loaded the addon: the stack running now, then
    // the context that scheduled it. Isolates that have not (still
    // initialising, or without the preload) are left alone.
    stack = capture(*st, st->slots[kSlotContext]).stack;
  } else if (!isolate && call == FDSCOPE_LANG_CALL_OPEN) {
    // A thread without JavaScript opening a file: libuv's threadpool doing
    // an fs.open request.
    stack = pending_open_take();
  }
  errno = saved_errno;
  return stack;
}

}  // namespace fdscope_node
