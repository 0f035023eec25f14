// SPDX-License-Identifier: MIT
// The exported C API of include/fdscope_lang.h, for runtime integrations
// loaded into the process (the Node.js addon finds it with dlsym).
#include <errno.h>

#include "fdscope_lang.h"
#include "state/thread_state.h"
#include "track/lifecycle.h"
#include "track/tracker.h"
#include "lang/lang.h"
#include "lang/lang_frames.h"
#include "lang/node_inject.h"

using namespace fdscope;

#define FDSCOPE_EXPORT extern "C" __attribute__((visibility("default")))

FDSCOPE_EXPORT int fdscope_lang_enabled(void) {
  return initialized() && lang::enabled() ? FDSCOPE_LANG_API_VERSION : 0;
}

FDSCOPE_EXPORT uint32_t fdscope_lang_frame(enum fdscope_lang lang, const char* function,
                                           size_t function_len, const char* file,
                                           size_t file_len, int line, int column) {
  int saved = errno;  // the arena's first use maps memory
  uint32_t id = lang::intern_frame(lang, function, function_len, file, file_len, line, column);
  errno = saved;
  return id;
}

FDSCOPE_EXPORT uint32_t fdscope_lang_stack(const uint32_t* frames, unsigned n) {
  if (!frames) return 0;
  int saved = errno;
  uint32_t id = lang::intern_lang_stack(frames, n);
  errno = saved;
  return id;
}

FDSCOPE_EXPORT unsigned fdscope_lang_stack_frames(uint32_t stack, uint32_t* out, unsigned max) {
  StackView st = stack_frames(stack);
  if (!lang::is_lang_stack(st)) return 0;
  for (unsigned i = 0; i < st.depth && i < max; ++i) out[i] = (uint32_t)st.frames[i];
  return st.depth;
}

FDSCOPE_EXPORT void fdscope_lang_set_capturer(fdscope_lang_capture_fn fn) {
  lang::set_capturer(fn);
}

FDSCOPE_EXPORT void fdscope_lang_attribute(int fd, uint32_t stack) {
  if (stack == 0 || !initialized()) return;
  ShimScope scope;
  attribute_lang_stack(fd, stack);
}

FDSCOPE_EXPORT const char* fdscope_lang_node_options(void) {
  return lang::original_node_options();
}
