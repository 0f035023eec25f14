// SPDX-License-Identifier: MIT
#include "state/thread_state.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include "platform/raw_syscall.h"
#include "platform/sys.h"
#include "stacks/blob_store.h"

namespace fdscope {
namespace {
__thread ThreadState t_state __attribute__((tls_model("initial-exec")));
}

ThreadState& thread_state() { return t_state; }

int current_tid() {
  if (t_state.tid == 0) t_state.tid = sys::gettid();
  return t_state.tid;
}

const char* current_thread_name(uint64_t now) {
  if (t_state.name[0] == 0 || now - t_state.name_mono_ns > 1000000000ull) {
    char name[16] = {};
    if (raw_syscall(SYS_prctl, PR_GET_NAME, name) == 0) memcpy(t_state.name, name, 16);
    t_state.name[15] = 0;
    t_state.name_mono_ns = now;
    t_state.name_id = intern_blob(t_state.name, strnlen(t_state.name, sizeof(t_state.name)));
  }
  return t_state.name;
}

uint32_t current_thread_name_id(uint64_t now) {
  current_thread_name(now);
  return t_state.name_id;
}

void thread_state_after_fork() {
  t_state.tid = 0;
  t_state.name[0] = 0;
}

ShimScope::ShimScope() : t_(t_state), saved_errno_(errno), nested_(t_state.depth++ > 0) {}

ShimScope::~ShimScope() {
  --t_.depth;
  errno = saved_errno_;
}

}  // namespace fdscope
