// SPDX-License-Identifier: MIT
// The library's language API (shim/include/fdscope_lang.h), found at run
// time: the addon is loaded into processes that may not have libfdscope.so
// (the library removed from LD_PRELOAD, a copied layer), and then does
// nothing.
#pragma once

#include "fdscope_lang.h"

namespace fdscope_node {

struct LibApi {
  int (*enabled)(void);
  uint32_t (*frame)(enum fdscope_lang, const char*, size_t, const char*, size_t, int, int);
  uint32_t (*stack)(const uint32_t*, unsigned);
  unsigned (*stack_frames)(uint32_t, uint32_t*, unsigned);
  void (*set_capturer)(fdscope_lang_capture_fn);
  void (*attribute)(int, uint32_t);
  const char* (*node_options)(void);
};

// The resolved API, or nullptr when any function is missing or the library
// says language stacks are off.
const LibApi* lib_api();

// fdscope_lang_node_options, looked up on its own: NODE_OPTIONS must be put
// back even when the library is not recording language stacks. Sets *known
// to false when the library does not have it (nothing to restore then).
const char* original_node_options(bool* known);

}  // namespace fdscope_node
