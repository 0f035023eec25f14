// SPDX-License-Identifier: MIT
#include "analysis/user_frames.h"

#include <algorithm>

#include "fdscope_common/lang_frames.h"
#include "fdscope_common/runtime_frames.h"

namespace fdscope::tool {
namespace {

using common::CodeOwner;

CodeOwner owner(const ReportFrame& f) {
  return common::lang_frame_owner(f.lang, f.file.data(), f.file.size());
}

// A JavaScript frame named by a perf map, from the program's own code, not
// Node.js's ("node:fs:581:16").
bool is_program_jit_frame(const ReportFrame& f) {
  if (f.is_lang() || !f.module.empty() || f.function.empty()) return false;
  size_t space = f.function.find(' ');
  if (space == std::string::npos) return false;
  std::string where = f.function.substr(space + 1);
  return where.rfind("node:", 0) != 0 && where.rfind("internal/", 0) != 0 &&
         where.rfind("[eval", 0) != 0 && !where.empty();
}

// The first language frame of the user's code; else of a dependency; else
// the first frame.
std::vector<ReportFrame>::iterator user_start(std::vector<ReportFrame>& frames) {
  auto lang_end = std::find_if(frames.begin(), frames.end(),
                               [](const ReportFrame& f) { return !f.is_lang(); });
  for (CodeOwner wanted : {CodeOwner::kUser, CodeOwner::kDependency}) {
    auto it = std::find_if(frames.begin(), lang_end,
                           [&](const ReportFrame& f) { return owner(f) == wanted; });
    if (it != lang_end) return it;
  }
  return frames.begin();
}

void start_at_user_code(std::vector<ReportFrame>& frames) {
  auto start = user_start(frames);
  if (start == frames.begin()) return;
  // The frame shown first still belongs to a scheduling section when one
  // began among the frames left out.
  bool async = std::any_of(frames.begin(), start, [](const ReportFrame& f) { return f.async; });
  frames.erase(frames.begin(), start);
  if (async) frames.front().async = true;
}

}  // namespace

void drop_c_runtime_frames(ReportSite& s) {
  std::vector<ReportFrame>& frames = s.frames;
  frames.erase(std::remove_if(frames.begin(), frames.end(),
                              [](const ReportFrame& f) {
                                return !f.module.empty() &&
                                       common::is_c_runtime_module(f.module.c_str());
                              }),
               frames.end());
}

void fold_runtime_frames(ReportSite& s) {
  drop_c_runtime_frames(s);
  std::vector<ReportFrame>& frames = s.frames;
  if (!frames.empty() && frames.front().is_lang()) {
    start_at_user_code(frames);
    return;
  }
  // With JavaScript names from a perf map, the program's frame is its
  // innermost own JavaScript function: the runtime's native and JavaScript
  // frames below it (libuv, V8, node:fs) are folded away too.
  auto own = std::find_if(frames.begin(), frames.end(), is_program_jit_frame);
  if (own != frames.end()) frames.erase(frames.begin(), own);
}

void fold_runtime_frames(SiteReport& report) {
  for (ReportSite& s : report.sites) fold_runtime_frames(s);
}

}  // namespace fdscope::tool
