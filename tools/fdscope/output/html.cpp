// SPDX-License-Identifier: MIT
#include "output/html.h"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "output/frame_text.h"
#include "output/html_page.h"
#include "output/reports.h"

namespace fdscope::tool {
namespace {

std::string origin_of(const ReportFrame& f) {
  if (f.is_lang()) return common::lang_name(f.lang);
  if (f.module.empty()) return fmt::format("0x{:x}", f.addr);
  return frame_module_offset(f);
}

Json site_row(const ReportSite& s) {
  Json row;
  row["count"] = s.count;
  row["peak"] = s.peak;
  row["kinds"] = Json::array();
  for (auto& [k, n] : by_count(s.kinds)) row["kinds"].push_back(k);
  auto targets = by_count(s.targets);
  row["target"] = targets.empty() ? "" : targets[0].first;
  row["target_count"] = targets.empty() ? 0 : targets[0].second;
  row["targets"] = targets.size();
  row["calls"] = s.calls;
  const ReportFrame* first = s.frames.empty() ? nullptr : &s.frames[0];
  row["function"] = first ? frame_function(*first) : "(no stack recorded)";
  row["location"] = first ? frame_location(*first) : "";
  row["origin"] = first ? origin_of(*first) : "";
  row["frames"] = Json::array();
  for (size_t i = 0; i < s.frames.size(); ++i) {
    const ReportFrame& f = s.frames[i];
    std::string where = frame_location(f);
    row["frames"].push_back(fmt::format("{}#{} {}{}  ({})", f.async ? "-- async --\n" : "", i,
                                        frame_function(f), where.empty() ? "" : "  " + where,
                                        origin_of(f)));
  }
  return row;
}

}  // namespace

Json html_data(const SiteReport& r, const Timeline* timeline, size_t top) {
  // Sites that hold descriptors at the dumps: the page is about what is open
  // (peak-only sites, count 0, come last in r.sites).
  size_t open = open_site_count(r);
  Json j;
  j["summary"] = {{"dumps", r.dumps},
                  {"processes", r.processes},
                  {"descriptors", r.descriptors},
                  {"untracked", r.untracked},
                  {"sites", open}};
  size_t shown = std::min(top, open);
  j["sites"] = Json::array();
  for (size_t i = 0; i < shown; ++i) j["sites"].push_back(site_row(r.sites[i]));
  long rest = 0;
  for (size_t i = shown; i < open; ++i) rest += r.sites[i].count;
  j["rest"] = {{"sites", open - shown}, {"descriptors", rest}};
  if (timeline && !timeline->points.empty()) {
    int64_t start = timeline->points.front().time_ms;
    Json points = Json::array();
    for (const TimelinePoint& p : timeline->points) {
      std::vector<long> counts(p.counts.begin(), p.counts.begin() + std::min(shown, p.counts.size()));
      counts.resize(shown, 0);
      points.push_back({{"t", p.time_ms - start}, {"pid", p.pid}, {"seq", p.seq}, {"reason", p.reason},
                        {"tracked", p.tracked}, {"counts", counts}});
    }
    j["timeline"] = {{"processes", timeline->processes}, {"start_ms", start}, {"points", points}};
  } else {
    j["timeline"] = nullptr;
  }
  j["flame"] = Json::array();
  for (size_t i = 0; i < open; ++i)
    j["flame"].push_back({{"stack", folded_frames(r.sites[i])}, {"count", r.sites[i].count}});
  return j;
}

std::string script_safe_json(const Json& j) {
  std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  // Outside strings JSON has none of these characters: escaping them
  // everywhere only touches strings.
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

void print_html_report(std::FILE* out, const SiteReport& report, const Timeline* timeline,
                       size_t top) {
  fmt::print(out, "{}{}{}", kHtmlPageHead, script_safe_json(html_data(report, timeline, top)), kHtmlPageTail);
}

}  // namespace fdscope::tool
