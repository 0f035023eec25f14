// SPDX-License-Identifier: MIT
// fdscope_attach_start() and fdscope_detach() (include/fdscope_attach.h):
// the library loaded into a running process redirects the process's calls
// to its interposers, which are the functions it exports (all but its
// fdscope_* API), and dlopen to the hook that does the same for modules
// loaded later.
#include <string.h>

#include "fdscope_attach.h"
#include "interpose/dlopen_hook.h"
#include "platform/got_patch.h"
#include "platform/module_exports.h"
#include "track/attach.h"

using namespace fdscope;

namespace {

constexpr size_t kMaxHooks = 256;
GotHook g_hooks[kMaxHooks];
size_t g_count = 0;
bool g_ready = false;

void add(const char* name, void* address, void*) {
  if (strncmp(name, "fdscope_", 8) == 0 || !strcmp(name, "_init") || !strcmp(name, "_fini"))
    return;
  if (g_count < kMaxHooks) g_hooks[g_count++] = GotHook{name, address};
}

bool hooks_ready() {
  if (g_ready) return true;
  g_count = 0;
  if (for_each_exported_function(reinterpret_cast<const void*>(&fdscope_attach_start), add,
                                 nullptr) <= 0 || g_count >= kMaxHooks)
    return false;
  g_hooks[g_count++] = GotHook{"dlopen", reinterpret_cast<void*>(&fdscope_dlopen_hook)};
  g_ready = got_hooks_set(g_hooks, g_count, reinterpret_cast<const void*>(&fdscope_attach_start));
  return g_ready;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int fdscope_attach_start(const char* options) {
  int status = attach_begin(options);
  if (status != FDSCOPE_ATTACH_OK) return status;
  long patched = hooks_ready() ? got_patch_loaded() : -1;
  if (patched < 0) {
    got_restore();
    attach_failed();
    return FDSCOPE_ATTACH_NO_MEMORY;
  }
  attach_done((uint32_t)patched);
  return FDSCOPE_ATTACH_OK;
}

__attribute__((visibility("default"))) int fdscope_detach(void) {
  if (detach_begin() != FDSCOPE_ATTACH_OK) return FDSCOPE_ATTACH_NOT_ATTACHED;
  got_restore();
  detach_done();
  return FDSCOPE_ATTACH_OK;
}

}  // extern "C"
