// SPDX-License-Identifier: MIT
// The identity of a call site: two descriptors whose creating stacks give
// the same key are one site, in the dump summary and in reports, across
// the processes of a fleet.
//
// - A stack with a language stack (JavaScript, Python) is keyed by its
//   language frames only: V8's tiers and inlining and CPython's internal C
//   paths change the native frames below the same line of user code.
// - A native stack is keyed by each frame's module path and offset, except
//   that a run of JavaScript-engine frames (is_js_engine_frame: JIT code
//   moves as V8 recompiles it, interpreter and builtins frames come and go
//   as a function warms up) counts as one token, named by the JavaScript
//   functions in it when a perf map named them, tier marks left out.
//
// Feed the frames innermost first; value() is a 64-bit FNV-1a hash.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fdscope_common/lang_frames.h"

namespace fdscope::common {

struct LangFrameRef {
  Lang lang = Lang::kNative;
  const char* function = "";  // UTF-8, not NUL-terminated
  size_t function_len = 0;
  const char* file = "";
  size_t file_len = 0;
  int line = 0;    // 0: unknown
  int column = 0;  // 0: unknown
  bool async = false;  // first frame of the code that scheduled the work
};

class SiteKey {
 public:
  // A frame in an ELF module (ELF virtual address `offset`).
  void native_frame(const char* module_path, uint64_t offset);
  // A JavaScript-engine frame; `perf_name` is its perf-map name
  // ("JS:~openDb /srv/app.js:4:34"), or null / "" when it has none.
  void js_engine_frame(const char* perf_name);
  void lang_frame(const LangFrameRef& frame);

  uint64_t value() const { return hash_; }

 private:
  void mix(const void* bytes, size_t n);
  void mix_u64(uint64_t v) { mix(&v, sizeof(v)); }
  void end_js_run() { in_js_run_ = false; }

  uint64_t hash_ = 0xcbf29ce484222325ull;
  bool in_js_run_ = false;
};

// The part of a V8 perf-map name that stays the same as a function warms
// up: "JS:*openDb /srv/app.js:4:34" -> "openDb /srv/app.js:4:34" (V8 marks
// the tier: ~ interpreted, ^ baseline, + maglev, * optimised). Returns a
// pointer into `name` and its length in *len.
const char* jit_name_key(const char* name, size_t* len);

}  // namespace fdscope::common
