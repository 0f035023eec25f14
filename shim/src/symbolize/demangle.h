// SPDX-License-Identifier: MIT
// C++ names in dumps are demangled in the process, so that dumps taken from
// a signal handler carry readable names too.
#pragma once

#include "util/json_writer.h"

namespace fdscope {

// Writes the demangled form of `name` (escaped, without quotes) and returns
// true; false (nothing written) if it is not a C++ name or cannot be
// demangled within the shim's bounds.
bool demangle_to(const char* name, JsonWriter& w);

// The demangled form of `name` into out (NUL-terminated), or name itself
// when it is not a C++ name or does not fit. Returns out.
const char* demangle_into(const char* name, char* out, size_t cap);

}  // namespace fdscope
