// SPDX-License-Identifier: MIT
#include "input/json_fields.h"

#include <cstdlib>

namespace fdscope::tool::json_fields {

int64_t as_int(Element v, int64_t fallback) {
  int64_t i;
  if (v.get(i) == simdjson::SUCCESS) return i;
  uint64_t u;
  if (v.get(u) == simdjson::SUCCESS) return (int64_t)u;
  return fallback;
}

std::string_view as_view(Element v) {
  std::string_view s;
  return v.get(s) == simdjson::SUCCESS ? s : std::string_view();
}

std::string as_str(Element v) { return std::string(as_view(v)); }

int64_t int_or(Element obj, const char* key, int64_t fallback) {
  Element v;
  return obj[key].get(v) == simdjson::SUCCESS ? as_int(v, fallback) : fallback;
}

std::string str_or(Element obj, const char* key, const char* fallback) {
  Element v;
  std::string_view s;
  return obj[key].get(v) == simdjson::SUCCESS && v.get(s) == simdjson::SUCCESS ? std::string(s)
                                                                                : fallback;
}

bool bool_or(Element obj, const char* key, bool fallback) {
  bool b;
  return obj[key].get(b) == simdjson::SUCCESS ? b : fallback;
}

uint64_t hex_or(Element obj, const char* key) {
  std::string_view v;
  if (obj[key].get(v) != simdjson::SUCCESS) return 0;
  return std::strtoull(std::string(v).c_str(), nullptr, 16);
}

DumpFrame frame(Element f) {
  DumpFrame out;
  out.function = str_or(f, "function");
  std::string_view lang;
  if (f["lang"].get(lang) == simdjson::SUCCESS)
    out.lang = common::lang_from_name(lang.data(), lang.size());
  // (Format 2 knows js and python; another name would come with a new
  // format, which the reader turns down before it gets here.)
  if (out.is_lang()) {
    out.file = str_or(f, "file");
    out.line = (int)int_or(f, "line");
    out.column = (int)int_or(f, "column");
    out.async = bool_or(f, "async");
    return out;
  }
  out.addr = hex_or(f, "addr");
  out.module = (int)int_or(f, "module", -1);
  out.offset = hex_or(f, "offset");
  return out;
}

}  // namespace fdscope::tool::json_fields
