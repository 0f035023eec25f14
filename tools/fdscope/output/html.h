// SPDX-License-Identifier: MIT
// `report --format html`: one self-contained page (no network: inline CSS,
// inline script, the data as an embedded JSON blob; docs/report-format.md)
// with the count of the top sites over time, the sites table and a flame
// graph of the open descriptors by stack.
#pragma once

#include <cstdio>

#include "analysis/sites.h"
#include "analysis/timeline.h"
#include "output/site_json.h"

namespace fdscope::tool {

// The page's data: {"summary", "sites" (the `top` largest), "rest",
// "timeline" (null without one), "flame"}. Exposed for tests.
Json html_data(const SiteReport& report, const Timeline* timeline, size_t top);

// The JSON text made safe inside a <script> element: '<', '>' and '&' as
// \u escapes (JSON.parse reads them back), so no "</script>" or "<!--" can
// appear; invalid UTF-8 from dumps is replaced.
std::string script_safe_json(const Json& j);

// The page; `timeline` charts the counts of the first `top` sites (their
// keys, in order), null: no chart.
void print_html_report(std::FILE* out, const SiteReport& report, const Timeline* timeline,
                       size_t top);

}  // namespace fdscope::tool
