// SPDX-License-Identifier: MIT
#include "fdscope_common/site_key.h"

#include <string.h>

namespace fdscope::common {
namespace {

// Separate the fields of a frame, and kinds of frames, so that no two
// different stacks feed the same bytes.
constexpr uint64_t kNativeTag = 0x6e;
constexpr uint64_t kJsRunTag = ~0ull;
constexpr uint64_t kJsNameTag = 0x6a;
constexpr uint64_t kLangTag = 0x6c;

}  // namespace

void SiteKey::mix(const void* bytes, size_t n) {
  const unsigned char* p = static_cast<const unsigned char*>(bytes);
  for (size_t i = 0; i < n; ++i) hash_ = (hash_ ^ p[i]) * 0x100000001b3ull;
}

void SiteKey::native_frame(const char* module_path, uint64_t offset) {
  end_js_run();
  mix_u64(kNativeTag);
  size_t n = module_path ? strlen(module_path) : 0;
  mix_u64(n);
  mix(module_path, n);
  mix_u64(offset);
}

void SiteKey::js_engine_frame(const char* perf_name) {
  if (!in_js_run_) mix_u64(kJsRunTag);
  in_js_run_ = true;
  if (!perf_name || !*perf_name) return;
  size_t n;
  const char* key = jit_name_key(perf_name, &n);
  mix_u64(kJsNameTag);
  mix_u64(n);
  mix(key, n);
}

void SiteKey::lang_frame(const LangFrameRef& f) {
  end_js_run();
  mix_u64(kLangTag);
  mix_u64((uint64_t)f.lang);
  mix_u64(f.function_len);
  mix(f.function, f.function_len);
  mix_u64(f.file_len);
  mix(f.file, f.file_len);
  mix_u64((uint64_t)(uint32_t)f.line);
  mix_u64((uint64_t)(uint32_t)f.column);
  mix_u64(f.async ? 1 : 0);
}

const char* jit_name_key(const char* name, size_t* len) {
  const char* colon = strchr(name, ':');
  const char* space = strchr(name, ' ');
  // A "JS:" style prefix, when the first ':' comes before the first ' '.
  const char* rest = colon && (!space || colon < space) ? colon + 1 : name;
  while (*rest == '*' || *rest == '~' || *rest == '^' || *rest == '+') ++rest;
  *len = strlen(rest);
  return rest;
}

}  // namespace fdscope::common
