// What the reader accepts, the rest of the tool must take: grouping into
// sites, folding to the user's frames, the timeline, diff and every report
// format, on dumps whose numbers, identities and stacks are arbitrary
// (huge counts and times, stacks that are not there, frames of unknown
// modules). Source lines are left out: they read the module files the dump
// names from this machine's disk.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <string_view>

#include "analysis/diff.h"
#include "analysis/sites.h"
#include "analysis/timeline.h"
#include "analysis/user_frames.h"
#include "input/dump_reader.h"
#include "input/dump_selection.h"
#include "output/reports.h"

namespace {

using namespace fdscope::tool;

FILE* g_null;

void check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "fuzz_report: %s\n", what);
    abort();
  }
}

SiteReport report_of(const std::vector<const Dump*>& dumps, bool all_fds, bool all_frames) {
  SiteReport r = group_sites(dumps, GroupOptions{all_fds});
  if (!all_frames) fold_runtime_frames(r);
  long counted = 0;
  for (const ReportSite& s : r.sites) {
    check(s.count >= 0 && s.processes >= 0, "a site's count");
    counted += s.count;
  }
  check(counted == r.descriptors, "the sites do not add up to the descriptors");
  check(r.dumps == (long)dumps.size(), "dumps counted");
  return r;
}

void render_all(const SiteReport& r, const Timeline* timeline) {
  for (Format f : {Format::kText, Format::kJson, Format::kFolded, Format::kHtml}) {
    RenderOptions o;
    o.format = f;
    o.top = 3;
    o.top_given = true;
    o.timeline = timeline;
    render_report(g_null, r, o);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_null = fopen("/dev/null", "w");
  return g_null ? 0 : 1;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LoadedDumps loaded;
  loaded.files.push_back(
      read_dumps_text("fuzz", std::string_view(reinterpret_cast<const char*>(data), size)));

  const bool all = size > 0 && (data[0] & 1);
  SiteReport last = report_of(select_dumps(loaded, Pick::kLast), all, all);
  std::vector<uint64_t> keys;
  for (const ReportSite& s : last.sites) keys.push_back(s.key);
  Timeline timeline = make_timeline(every_dump(loaded), keys, GroupOptions{all});
  render_all(last, &timeline);

  SiteReport first = report_of(select_dumps(loaded, Pick::kFirst), all, all);
  std::vector<Growth> grown = grown_sites(first, last, 5);
  for (Format f : {Format::kText, Format::kJson}) {
    RenderOptions o;
    o.format = f;
    render_diff(g_null, first, last, grown, o);
  }
  render_all(report_of(every_dump(loaded), !all, !all), nullptr);
  return 0;
}
