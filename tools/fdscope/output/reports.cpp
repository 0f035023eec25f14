// SPDX-License-Identifier: MIT
#include "output/reports.h"

#include <algorithm>

#include <fmt/format.h>

#include "output/frame_text.h"
#include "output/html.h"
#include "output/site_json.h"
#include "output/text.h"

namespace fdscope::tool {
namespace {

// A frame of a folded line: ';' separates frames, and the count follows
// the last space (spaces in C++ signatures and file names are fine).
std::string folded_name(const ReportFrame& f) {
  std::string name;
  if (f.is_lang()) {
    std::string where = frame_location(f);
    name = frame_function(f) + (where.empty() ? "" : " (" + where + ")");
  } else if (!f.function.empty()) {
    name = f.function;
  } else if (f.module.empty()) {
    name = "[jit]";
  } else {
    name = frame_module_offset(f);
  }
  std::replace(name.begin(), name.end(), ';', ':');
  return name;
}

void print_diff_json(std::FILE* out, const SiteReport& before, const SiteReport& after,
                     const std::vector<Growth>& grown) {
  Json j;
  j["before"] = {{"dumps", before.dumps}, {"descriptors", before.descriptors}};
  j["after"] = {{"dumps", after.dumps}, {"descriptors", after.descriptors}};
  j["sites"] = Json::array();
  for (const Growth& g : grown) {
    Json site;
    site["growth"] = g.growth();
    site["before"] = g.before;
    site["after"] = g.after;
    add_site_fields(site, *g.site);
    j["sites"].push_back(std::move(site));
  }
  print_json(out, j);
}

void print_diff_text(std::FILE* out, const SiteReport& before, const SiteReport& after,
                     const std::vector<Growth>& grown, bool colour) {
  fmt::print(out, "{} -> {} tracked descriptors; {} call site{} grew\n", before.descriptors,
             after.descriptors, grown.size(), grown.size() == 1 ? "" : "s");
  TextOptions o;
  o.colour = colour;
  for (const Growth& g : grown) {
    fmt::print(out, "\n+{} ({} -> {})\n", g.growth(), g.before, g.after);
    print_site(out, *g.site, o, 0);
  }
}

}  // namespace

bool parse_format(const std::string& name, Format* out) {
  if (name == "text") *out = Format::kText;
  else if (name == "json") *out = Format::kJson;
  else if (name == "folded") *out = Format::kFolded;
  else if (name == "html") *out = Format::kHtml;
  else return false;
  return true;
}

void print_json_report(std::FILE* out, const SiteReport& r, size_t top) {
  Json j;
  j["dumps"] = r.dumps;
  j["processes"] = r.processes;
  j["descriptors"] = r.descriptors;
  j["untracked"] = r.untracked;
  j["standard_streams"] = r.standard_streams;
  j["top_processes"] = Json::array();
  for (const ReportProcess& p : r.top_processes)
    j["top_processes"].push_back(
        {{"pid", p.pid}, {"exe", p.exe}, {"descriptors", p.descriptors}, {"peak", p.peak},
         {"reason", p.reason}});
  j["earlier_dumps"] = Json::array();
  for (const EarlierDump& e : r.earlier) {
    Json early = {{"pid", e.pid}, {"exe", e.exe},   {"reason", e.reason},
                  {"seq", e.seq}, {"time_ms", e.time_ms}, {"descriptors", e.descriptors}};
    if (!e.top.empty()) {
      Json site;
      site["count"] = e.top[0].count;
      add_site_fields(site, e.top[0]);
      early["largest_site"] = std::move(site);
    }
    j["earlier_dumps"].push_back(std::move(early));
  }
  j["sites"] = Json::array();
  for (size_t i = 0; i < r.sites.size() && i < top; ++i) {
    Json site;
    site["count"] = r.sites[i].count;
    add_site_fields(site, r.sites[i]);
    j["sites"].push_back(std::move(site));
  }
  print_json(out, j);
}

std::vector<std::string> folded_frames(const ReportSite& s) {
  std::vector<std::string> names;
  for (auto it = s.frames.rbegin(); it != s.frames.rend(); ++it) {
    names.push_back(folded_name(*it));
    // The scheduling section is outer: its mark comes before the frames
    // of the callback it scheduled.
    if (it->async && it + 1 != s.frames.rend()) names.push_back("[async]");
  }
  if (names.empty()) names.push_back("[no stack]");
  return names;
}

void print_folded_report(std::FILE* out, const SiteReport& r) {
  for (const ReportSite& s : r.sites)
    if (s.count > 0)  // a site of count 0 held descriptors only before the dump
      fmt::print(out, "{} {}\n", fmt::join(folded_frames(s), ";"), s.count);
}

void render_report(std::FILE* out, const SiteReport& report, const RenderOptions& o) {
  switch (o.format) {
    case Format::kJson: return print_json_report(out, report, o.top_given ? o.top : (size_t)-1);
    case Format::kFolded: return print_folded_report(out, report);
    case Format::kHtml: return print_html_report(out, report, o.timeline, o.top);
    case Format::kText: break;
  }
  TextOptions t;
  t.top = o.top;
  t.colour = o.colour;
  print_text_report(out, report, t);
}

void render_diff(std::FILE* out, const SiteReport& before, const SiteReport& after,
                 const std::vector<Growth>& grown, const RenderOptions& o) {
  if (o.format == Format::kJson) print_diff_json(out, before, after, grown);
  else print_diff_text(out, before, after, grown, o.colour);
}

}  // namespace fdscope::tool
