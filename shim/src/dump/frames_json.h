// SPDX-License-Identifier: MIT
// Writing a stack's frames as JSON, shared by dumps and double-close events.
#pragma once

#include "stacks/stack_store.h"
#include "util/json_writer.h"
#include "symbolize/symbolizer.h"

namespace fdscope {

// [{"addr":...,"module":...,"offset":...,"function":...,"symbol_offset":...},...]
// with "module" the module id of the dump, or its path when `module_paths`
// (for lines that stand alone, without module lines).
void write_frames(JsonWriter& w, StackView stack, const Symbolizer& sym, bool module_paths);

// A language stack: [{"lang":"js","function":...,"file":...,"line":...,
// "column":...,"async":true},...] ("column" when known, "async" on the first
// frame of the code that scheduled the work).
void write_lang_frames(JsonWriter& w, StackView stack);

}  // namespace fdscope
