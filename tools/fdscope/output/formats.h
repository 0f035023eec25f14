// Machine-readable reports: JSON (the shape in docs/report-format.md) and
// folded stacks (flamegraph.pl, inferno, speedscope).
#pragma once

#include <cstdio>

#include "analysis/sites.h"

namespace fdscope::tool {

void print_json_report(std::FILE* out, const SiteReport& report, size_t top);
void print_folded_report(std::FILE* out, const SiteReport& report);

}  // namespace fdscope::tool
