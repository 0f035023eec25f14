// SPDX-License-Identifier: MIT
// The descriptor count of chosen sites over time, across every dump of the
// files: what `report --format html` draws (a leak is a line that climbs).
//
// One point per dump, in time order (ties keep the order of the files and
// of the dumps in them). A point's count of a site is the sum, over the
// processes, of the site's count in each process's latest dump so far: for
// one process, simply its count in that dump; for a fleet, what all of it
// held then, as far as the dumps tell, ending (after every process's last
// dump) at the sum of the last dumps, which is what the report's table
// counts by default. Truncated dumps (no "end" line) are left out: their
// counts are partial and would draw a dip that never happened.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/sites.h"
#include "input/dump_model.h"

namespace fdscope::tool {

struct TimelinePoint {
  int64_t time_ms = 0;      // the dump's time_ms (unix ms)
  int64_t pid = 0;          // the process that dumped
  int64_t seq = 0;
  std::string reason;       // threshold, emfile, signal, exit, request
  std::vector<long> counts;  // per charted site, as Timeline::keys
  long tracked = 0;          // all tracked descriptors, summed the same way
};

struct Timeline {
  std::vector<uint64_t> keys;  // the sites charted (ReportSite::key), in the caller's order
  std::vector<TimelinePoint> points;
  long processes = 0;          // processes (run, host, pid) the points come from
};

// The counts of the sites `keys` in `dumps` (every dump of the files, as
// input/dump_selection's every_dump gives them).
// Standard streams are counted only with options.all_fds, as in group_sites.
Timeline make_timeline(const std::vector<const Dump*>& dumps, const std::vector<uint64_t>& keys,
                       GroupOptions options = {});

}  // namespace fdscope::tool
