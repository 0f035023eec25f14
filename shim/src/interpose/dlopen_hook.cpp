// SPDX-License-Identifier: MIT
#include "interpose/dlopen_hook.h"

#include <errno.h>

#include "interpose/hooks_api.h"
#include "platform/call_from.h"
#include "platform/got_patch.h"

extern "C" __attribute__((visibility("hidden"))) void* fdscope_dlopen_hook(const char* file,
                                                                           int mode) {
  static fdscope::DlopenFn real;
  fdscope::DlopenFn f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
  if (!f) {
    f = reinterpret_cast<fdscope::DlopenFn>(fdscope_next("dlopen"));
    if (!f) {
      errno = ENOSYS;
      return nullptr;
    }
    __atomic_store_n(&real, f, __ATOMIC_RELEASE);
  }
  void* handle = fdscope::dlopen_from(f, file, mode, __builtin_return_address(0));
  if (handle) {
    int saved = errno;
    fdscope::got_patch_loaded();
    errno = saved;
  }
  return handle;
}
