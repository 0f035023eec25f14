// SPDX-License-Identifier: MIT
#include "output/site_json.h"

#include <algorithm>

#include <fmt/format.h>

namespace fdscope::tool {
namespace {

Json int_or_null(int v) { return v > 0 ? Json(v) : Json(nullptr); }

}  // namespace

Json frame_json(const ReportFrame& f) {
  Json frame;
  frame["function"] = f.function;
  if (f.is_lang()) {
    frame["file"] = f.file;
    frame["line"] = int_or_null(f.line);
    frame["column"] = int_or_null(f.column);
    frame["lang"] = common::lang_name(f.lang);
    if (f.async) frame["async"] = true;
    return frame;
  }
  frame["module"] = f.module;
  frame["file"] = f.line > 0 ? Json(f.file) : Json(nullptr);
  frame["line"] = int_or_null(f.line);
  frame["address"] = fmt::format("0x{:x}", f.module.empty() ? f.addr : f.offset);
  if (f.inlined) frame["inlined"] = true;
  return frame;
}

void add_site_fields(Json& site, const ReportSite& s) {
  site["kinds"] = Json::object();
  for (auto& [k, n] : s.kinds) site["kinds"][k] = n;
  site["targets"] = Json::array();
  for (auto& [t, n] : by_count(s.targets)) site["targets"].push_back({{"target", t}, {"count", n}});
  site["oldest_ms"] = s.oldest_ms;
  site["newest_ms"] = s.newest_ms;
  site["peak"] = s.peak;
  site["peak_time_ms"] = s.peak_time_ms ? Json(s.peak_time_ms) : Json(nullptr);
  site["processes"] = s.processes;
  site["most_in_process"] = s.most_in_process;
  site["executables"] = Json::object();
  for (auto& [exe, n] : s.exes) site["executables"][exe] = n;
  site["frames"] = Json::array();
  for (const ReportFrame& f : s.frames) site["frames"].push_back(frame_json(f));
}

void print_json(std::FILE* out, const Json& j) {
  fmt::print(out, "{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace fdscope::tool
