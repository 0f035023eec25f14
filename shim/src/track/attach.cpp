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
  return FDSCOPE_ATTACH_OK;
}

void attach_done(uint32_t patched) {
  fdscope_attach_info.patched = patched;
  set_state(FDSCOPE_STATE_ATTACHED);
}

void attach_failed() {
  triggers_stop();
  reserve_release();
  forget_all();
}

int detach_begin() {
  return state() == FDSCOPE_STATE_ATTACHED ? FDSCOPE_ATTACH_OK : FDSCOPE_ATTACH_NOT_ATTACHED;
}

void detach_done() {
  triggers_stop();
  reserve_release();
  forget_all();
  fdscope_attach_info.patched = 0;
  set_state(FDSCOPE_STATE_DETACHED);
}

}  // namespace fdscope
