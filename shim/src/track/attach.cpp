// SPDX-License-Identifier: MIT
#include "track/attach.h"

#include <string.h>

#include "fdscope_attach.h"
#include "platform/reserve_fd.h"
#include "track/lifecycle.h"
#include "track/tracker.h"
#include "track/triggers.h"

// Read by the tool from the process's memory: default visibility, in .data.
__attribute__((visibility("default"))) struct fdscope_attach_info fdscope_attach_info = {
    FDSCOPE_ATTACH_MAGIC, FDSCOPE_ATTACH_INFO_VERSION, FDSCOPE_STATE_LOADED, 0, {0}};

namespace fdscope {
namespace {

uint32_t state() { return __atomic_load_n(&fdscope_attach_info.state, __ATOMIC_ACQUIRE); }
void set_state(uint32_t s) { __atomic_store_n(&fdscope_attach_info.state, s, __ATOMIC_RELEASE); }

uint32_t g_state_before_attach;  // for attach_failed()

void stop_tracking() {
  triggers_stop();
  reserve_release();
  forget_all();
}

}  // namespace

void mark_preloaded() { set_state(FDSCOPE_STATE_PRELOADED); }

int attach_begin(const char* options) {
  if (!loaded_late()) return FDSCOPE_ATTACH_PRELOADED;
  if (state() == FDSCOPE_STATE_ATTACHED) return FDSCOPE_ATTACH_ALREADY;
  if (!options) options = "";
  size_t n = strlen(options);
  if (n >= sizeof(fdscope_attach_info.options)) return FDSCOPE_ATTACH_OPTIONS_TOO_LONG;
  memcpy(fdscope_attach_info.options, options, n + 1);
  init_with_options(fdscope_attach_info.options);
  start_runtimes();
  g_state_before_attach = state();
  set_state(FDSCOPE_STATE_ATTACHED);
  return FDSCOPE_ATTACH_OK;
}

void attach_done(uint32_t patched) { fdscope_attach_info.patched = patched; }

void attach_failed() {
  set_state(g_state_before_attach);
  stop_tracking();
}

int detach_begin() {
  if (state() != FDSCOPE_STATE_ATTACHED) return FDSCOPE_ATTACH_NOT_ATTACHED;
  set_state(FDSCOPE_STATE_DETACHED);
  return FDSCOPE_ATTACH_OK;
}

void detach_done() {
  stop_tracking();
  fdscope_attach_info.patched = 0;
}

bool recording_paused() {
  return loaded_late() &&
         __atomic_load_n(&fdscope_attach_info.state, __ATOMIC_RELAXED) != FDSCOPE_STATE_ATTACHED;
}

}  // namespace fdscope
