// SPDX-License-Identifier: MIT
// What grew between two reports: the leak is what grows. Sites whose count
// stayed the same, shrank, or fell to zero are not growth and are left out
// (`fdscope diff` lists growth only; its header line gives both totals).
#pragma once

#include <vector>

#include "analysis/sites.h"

namespace fdscope::tool {

struct Growth {
  ReportSite* site;  // in the newer report (made ready to show by the caller)
  long before = 0;
  long after = 0;
  long growth() const { return after - before; }
};

// Sites of `after` with more descriptors than in `before` (matched by key;
// a site new in `after` had 0), largest growth first, at most `top`.
std::vector<Growth> grown_sites(const SiteReport& before, SiteReport& after, size_t top);

}  // namespace fdscope::tool
