// SPDX-License-Identifier: MIT
#include "fdscope_common/lang_frames.h"

#include <string.h>

namespace fdscope::common {
namespace {

bool has_prefix(const char* s, size_t len, const char* prefix) {
  size_t n = strlen(prefix);
  return len >= n && memcmp(s, prefix, n) == 0;
}

// Whether `needle` occurs in s[0, len).
bool contains(const char* s, size_t len, const char* needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; i + n <= len; ++i)
    if (memcmp(s + i, needle, n) == 0) return true;
  return false;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "lib/python3.11/" (or "lib/python3/", Debian's dist-packages parent)
// anywhere in the path.
bool under_python_lib(const char* s, size_t len) {
  static const char kLib[] = "lib/python";
  const size_t n = sizeof(kLib) - 1;
  for (size_t i = 0; i + n < len; ++i) {
    if (memcmp(s + i, kLib, n) != 0 || (i > 0 && s[i - 1] != '/')) continue;
    size_t j = i + n;
    if (j >= len || !is_digit(s[j])) continue;
    while (j < len && (is_digit(s[j]) || s[j] == '.')) ++j;
    if (j < len && s[j] == '/') return true;
  }
  return false;
}

CodeOwner js_owner(const char* file, size_t len) {
  if (has_prefix(file, len, "node:") || has_prefix(file, len, "internal/")) return CodeOwner::kRuntime;
  if (has_prefix(file, len, "node_modules/") || contains(file, len, "/node_modules/"))
    return CodeOwner::kDependency;
  return CodeOwner::kUser;
}

CodeOwner python_owner(const char* file, size_t len) {
  if (has_prefix(file, len, "<frozen ")) return CodeOwner::kRuntime;
  if (contains(file, len, "/site-packages/") || contains(file, len, "/dist-packages/"))
    return CodeOwner::kUser;
  return under_python_lib(file, len) ? CodeOwner::kRuntime : CodeOwner::kUser;
}

}  // namespace

const char* lang_name(Lang lang) {
  switch (lang) {
    case Lang::kJs: return "js";
    case Lang::kPython: return "python";
    default: return "";
  }
}

Lang lang_from_name(const char* name, size_t len) {
  if (len == 2 && memcmp(name, "js", 2) == 0) return Lang::kJs;
  if (len == 6 && memcmp(name, "python", 6) == 0) return Lang::kPython;
  return Lang::kNative;
}

CodeOwner lang_frame_owner(Lang lang, const char* file, size_t len) {
  if (!file) return CodeOwner::kUser;
  if (lang == Lang::kJs) return js_owner(file, len);
  if (lang == Lang::kPython) return python_owner(file, len);
  return CodeOwner::kUser;
}

}  // namespace fdscope::common
