// SPDX-License-Identifier: MIT
// Language frames (JavaScript, Python) in dumps: the language names, and
// whose code a frame is, so that reports start a call site at the user's
// own code rather than in the runtime's (node: internals, the Python
// standard library).
#pragma once

#include <stddef.h>

namespace fdscope::common {

// The values of include/fdscope_lang.h's enum fdscope_lang.
enum class Lang : int { kNative = 0, kJs = 1, kPython = 2 };

// "js", "python"; "" for kNative.
const char* lang_name(Lang lang);
// The inverse of lang_name; kNative for anything else.
Lang lang_from_name(const char* name, size_t len);

// Whose code a language frame runs, from its file (as the runtime reports
// it), most specific first:
//   kRuntime     JS: "node:..." and "internal/..." (Node.js's own modules);
//                Python: the standard library, files under a lib/pythonX.Y/
//                directory but not under site-packages/ or dist-packages/,
//                and "<frozen ...>" modules;
//   kDependency  JS: files under a node_modules/ directory;
//   kUser        everything else (Python packages count as the user's).
enum class CodeOwner { kUser = 0, kDependency = 1, kRuntime = 2 };
CodeOwner lang_frame_owner(Lang lang, const char* file, size_t len);

}  // namespace fdscope::common
