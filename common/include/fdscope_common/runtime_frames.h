// SPDX-License-Identifier: MIT
// Which native frames are the C runtime's: frames of libc, the dynamic
// loader and libpthread say nothing about who leaked a descriptor, so
// reports and the dump summary start a call site below them.
#pragma once

namespace fdscope::common {

// `path` is a module's path as mapped (or just its file name). True when
// its file name starts with one of c_runtime_modules.def's prefixes
// (libc.so, libc-, ld-linux, libpthread, libfdscope).
bool is_c_runtime_module(const char* path);

// True for frames of the JavaScript engine rather than of a module's code:
// outside any ELF module (`in_module` false: V8's JIT code), or V8's
// interpreter and builtins embedded in the node binary (`Builtins_*`).
// `function` may be null.
bool is_js_engine_frame(bool in_module, const char* function);

}  // namespace fdscope::common
