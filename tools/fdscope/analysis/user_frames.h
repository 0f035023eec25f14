// SPDX-License-Identifier: MIT
// Where a site's story starts: at the user's own code. Reports show a site
// from its innermost frame of the program's code, not the runtime's:
// - native frames of the C runtime (common::is_c_runtime_module) go;
// - with language frames, the site starts at the innermost frame of the
//   user's code (common::lang_frame_owner): runtime frames (node:,
//   internal/, the Python standard library) before it go, and so do
//   dependencies' (node_modules/) unless nothing else is there; a
//   scheduling section (async) whose first frame went keeps its mark on the
//   first frame shown;
// - without them, a JavaScript frame that a perf map named from the
//   program's code ("JS:~readConfig /srv/app.js:23:25") starts the site.
// `report --all-frames` skips all of this.
#pragma once

#include "analysis/sites.h"

namespace fdscope::tool {

void fold_runtime_frames(ReportSite& site);
// The first step of folding alone: the C runtime's native frames go.
void drop_c_runtime_frames(ReportSite& site);
void fold_runtime_frames(SiteReport& report);

}  // namespace fdscope::tool
