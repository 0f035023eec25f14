// SPDX-License-Identifier: MIT
#include "lib_api.h"

#include "dlsym_compat.h"

namespace fdscope_node {
namespace {

LibApi resolve(bool& ok) {
  LibApi a{};
  ok = find_symbol(a.enabled, "fdscope_lang_enabled") && find_symbol(a.frame, "fdscope_lang_frame") &&
       find_symbol(a.stack, "fdscope_lang_stack") && find_symbol(a.stack_frames, "fdscope_lang_stack_frames") &&
       find_symbol(a.set_capturer, "fdscope_lang_set_capturer") && find_symbol(a.attribute, "fdscope_lang_attribute") &&
       find_symbol(a.node_options, "fdscope_lang_node_options");
  // A library of another API version names its stacks differently.
  ok = ok && a.enabled() == FDSCOPE_LANG_API_VERSION;
  return a;
}

}  // namespace

const LibApi* lib_api() {
  static bool ok = false;
  static const LibApi api = resolve(ok);
  return ok ? &api : nullptr;
}

const char* original_node_options(bool* known) {
  const char* (*fn)(void) = nullptr;
  *known = find_symbol(fn, "fdscope_lang_node_options");
  return *known ? fn() : nullptr;
}

}  // namespace fdscope_node
