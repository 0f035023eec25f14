// SPDX-License-Identifier: MIT
// The report for people: aligned, the leaking site's innermost frame of
// the user's code first, colour only on a terminal.
#pragma once

#include <cstdio>

#include "analysis/sites.h"

namespace fdscope::tool {

struct TextOptions {
  size_t top = 10;    // sites shown
  size_t frames = 8;  // frames shown per site, with the inlined frames of each
  bool colour = false;
};

void print_text_report(std::FILE* out, const SiteReport& report, const TextOptions& options);

// One site: count, kinds, targets, frames (count right-aligned to width).
// A line "-- async --" comes before the first frame of the code that
// scheduled the work the frames above it ran in.
// With `report`, a site of several processes' report also names them.
void print_site(std::FILE* out, const ReportSite& site, const TextOptions& options, size_t width,
                const SiteReport* report = nullptr);

}  // namespace fdscope::tool
