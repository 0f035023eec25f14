// SPDX-License-Identifier: MIT
// Field conversions for the dump reader: simdjson values to the model's
// types, with a fallback for absent or mistyped fields (readers ignore
// what they do not know, docs/dump-format.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "input/dump_model.h"

namespace fdscope::tool::json_fields {

using Element = simdjson::dom::element;

int64_t as_int(Element v, int64_t fallback = 0);
std::string_view as_view(Element v);
std::string as_str(Element v);

// obj[key] converted, or the fallback when the key is absent.
int64_t int_or(Element obj, const char* key, int64_t fallback = 0);
std::string str_or(Element obj, const char* key, const char* fallback = "");
bool bool_or(Element obj, const char* key, bool fallback = false);
uint64_t hex_or(Element obj, const char* key);  // "0x1a2b"

// A stack line's frame: native ({addr, module, offset, function}) or, with
// "lang", a language frame ({lang, function, file, line, column, async}).
DumpFrame frame(Element f);

}  // namespace fdscope::tool::json_fields
