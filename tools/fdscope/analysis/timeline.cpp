// SPDX-License-Identifier: MIT
#include "analysis/timeline.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "analysis/sites.h"

namespace fdscope::tool {
namespace {

struct Counted {
  std::vector<long> counts;  // per key
  long tracked = 0;
};

Counted count_dump(const Dump& d, const std::unordered_map<uint64_t, size_t>& index,
                   GroupOptions options) {
  Counted c;
  c.counts.assign(index.size(), 0);
  // As in group_sites: per dump, a pair of stack ids names one site.
  std::map<std::pair<uint32_t, uint32_t>, long> slot_of_stacks;  // -> key's slot, -1: not charted
  for (const DumpFd& fd : d.fds) {
    if (!fd.tracked || (!options.all_fds && is_standard_stream(fd))) continue;
    ++c.tracked;
    auto known = slot_of_stacks.find({fd.lang_stack, fd.stack});
    if (known == slot_of_stacks.end()) {
      auto k = index.find(site_key_of(d, fd));
      long slot = k == index.end() ? -1 : (long)k->second;
      known = slot_of_stacks.emplace(std::make_pair(fd.lang_stack, fd.stack), slot).first;
    }
    if (known->second >= 0) ++c.counts[(size_t)known->second];
  }
  return c;
}

}  // namespace

Timeline make_timeline(const std::vector<const Dump*>& dumps, const std::vector<uint64_t>& keys,
                       GroupOptions options) {
  Timeline t;
  t.keys = keys;
  std::unordered_map<uint64_t, size_t> index;
  for (size_t i = 0; i < keys.size(); ++i) index.emplace(keys[i], i);

  std::vector<const Dump*> complete;
  for (const Dump* d : dumps)
    if (d->complete) complete.push_back(d);
  std::stable_sort(complete.begin(), complete.end(),
                   [](const Dump* a, const Dump* b) { return a->time_ms < b->time_ms; });

  using Process = std::tuple<std::string, std::string, int64_t>;  // run, host, pid
  std::map<Process, Counted> latest;
  Counted sum;
  sum.counts.assign(keys.size(), 0);
  for (const Dump* d : complete) {
    Counted now = count_dump(*d, index, options);
    auto [it, fresh] = latest.try_emplace(Process{d->run, d->host, d->pid});
    if (fresh) it->second.counts.assign(keys.size(), 0);
    for (size_t i = 0; i < keys.size(); ++i) sum.counts[i] += now.counts[i] - it->second.counts[i];
    sum.tracked += now.tracked - it->second.tracked;
    it->second = std::move(now);

    TimelinePoint p;
    p.time_ms = d->time_ms;
    p.pid = d->pid;
    p.seq = d->seq;
    p.reason = d->reason;
    p.counts = sum.counts;
    p.tracked = sum.tracked;
    t.points.push_back(std::move(p));
  }
  t.processes = (long)latest.size();
  return t;
}

}  // namespace fdscope::tool
