// SPDX-License-Identifier: MIT
#include "fdscope_common/runtime_frames.h"

#include <string.h>

namespace fdscope::common {
namespace {

bool starts_with(const char* s, const char* prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

}  // namespace

bool is_c_runtime_module(const char* path) {
  if (!path) return false;
  const char* slash = strrchr(path, '/');
  const char* base = slash ? slash + 1 : path;
#define FDSCOPE_C_RUNTIME_PREFIX(prefix) \
  if (starts_with(base, prefix)) return true;
#include "fdscope_common/c_runtime_modules.def"
#undef FDSCOPE_C_RUNTIME_PREFIX
  return false;
}

bool is_js_engine_frame(bool in_module, const char* function) {
  return !in_module || (function && starts_with(function, "Builtins_"));
}

}  // namespace fdscope::common
