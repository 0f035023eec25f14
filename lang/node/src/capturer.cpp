#include "capturer.h"

#include <errno.h>

#include "capture.h"
#include "env_state.h"
#include "pending.h"
#include "v8_api.h"

namespace fdscope_node {

uint32_t capture_for_descriptor(enum fdscope_lang_call call, int) {
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
