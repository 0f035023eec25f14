// SPDX-License-Identifier: MIT
#include "output/frame_text.h"

#include <fmt/format.h>

namespace fdscope::tool {

std::string frame_function(const ReportFrame& f) {
  if (!f.function.empty()) return f.function;
  return f.is_lang() ? "(anonymous)" : "??";
}

std::string frame_location(const ReportFrame& f) {
  if (f.file.empty()) return "";
  if (f.line <= 0) return f.is_lang() ? f.file : "";
  if (f.lang == Lang::kJs && f.column > 0) return fmt::format("{}:{}:{}", f.file, f.line, f.column);
  return fmt::format("{}:{}", f.file, f.line);
}

std::string frame_module_offset(const ReportFrame& f) {
  return fmt::format("{}+0x{:x}", f.module.substr(f.module.rfind('/') + 1), f.offset);
}

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += (char)c;
  }
  return out;
}

}  // namespace fdscope::tool
