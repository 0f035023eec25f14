// SPDX-License-Identifier: MIT
// The report formats of `report`, `run` and `snapshot` (text, json, folded;
// `report`'s html: output/html.h; docs/report-format.md), and `diff`'s
// text and json.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "analysis/diff.h"
#include "analysis/sites.h"
#include "analysis/timeline.h"

namespace fdscope::tool {

enum class Format { kText, kJson, kFolded, kHtml };

// "text", "json", "folded", "html" -> *out; false for anything else.
bool parse_format(const std::string& name, Format* out);

struct RenderOptions {
  Format format = Format::kText;
  size_t top = 10;         // sites shown; json shows all unless top_given
  bool top_given = false;
  bool colour = false;     // text only
  const Timeline* timeline = nullptr;  // html: the counts over time (none: no chart)
};

void render_report(std::FILE* out, const SiteReport& report, const RenderOptions& options);

// {"dumps", "processes", "descriptors", "untracked", "sites": [...]}
void print_json_report(std::FILE* out, const SiteReport& report, size_t top);
// "outer;...;inner count" per site, for flamegraph.pl, inferno, speedscope.
void print_folded_report(std::FILE* out, const SiteReport& report);
// A site's frames as a folded line names them, outermost first ("[async]"
// marks included; ["[no stack]"] without frames): also the html's flame graph.
std::vector<std::string> folded_frames(const ReportSite& site);

// `diff`: `grown` are sites of `after` whose frames were made ready to show.
void render_diff(std::FILE* out, const SiteReport& before, const SiteReport& after,
                 const std::vector<Growth>& grown, const RenderOptions& options);

}  // namespace fdscope::tool
