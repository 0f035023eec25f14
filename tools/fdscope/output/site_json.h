// SPDX-License-Identifier: MIT
// The JSON of a site and its frames, one writer for `report --format json`
// and `diff --format json` (docs/report-format.md).
#pragma once

#include <nlohmann/json.hpp>

#include "analysis/sites.h"

namespace fdscope::tool {

using Json = nlohmann::ordered_json;

// Native: {"function", "module", "file", "line", "address"} (file and line
// null without debug information). Language: {"function", "file", "line",
// "column", "lang"} and "async": true on the first frame of a scheduling
// section (line, column null when unknown).
Json frame_json(const ReportFrame& f);

// Adds "kinds", "targets" (largest first), "oldest_ms", "newest_ms" and
// "frames" to `site`, after the fields the caller put first ("count"; diff's
// "growth", "before", "after").
void add_site_fields(Json& site, const ReportSite& s);

// Prints j, indented; invalid UTF-8 from dumps is replaced, not fatal.
void print_json(std::FILE* out, const Json& j);

}  // namespace fdscope::tool
