// The report for people: aligned, the leaking site's innermost program frame
// first, colour only on a terminal.
#pragma once

#include <cstdio>

#include "analysis/sites.h"

namespace fdscope::tool {

struct TextOptions {
  size_t top = 10;         // sites shown
  size_t frames = 8;       // frames shown per site
  bool colour = false;
};

void print_text_report(std::FILE* out, const SiteReport& report, const TextOptions& options);

// One site: count, kinds, targets, program frames (count right-aligned to width).
void print_site(std::FILE* out, const Site& site, const TextOptions& options, size_t width);

}  // namespace fdscope::tool
