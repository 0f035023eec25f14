// SPDX-License-Identifier: MIT
#include "analysis/sites.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "analysis/targets.h"
#include "fdscope_common/runtime_frames.h"
#include "fdscope_common/site_key.h"
#include "fdscope_common/targets.h"

namespace fdscope::tool {
namespace {

const std::vector<DumpFrame>& frames_of(const Dump& d, uint32_t stack) {
  static const std::vector<DumpFrame> kNoFrames;
  if (stack == 0) return kNoFrames;
  auto st = d.stacks.find(stack);
  return st == d.stacks.end() ? kNoFrames : st->second;
}

common::LangFrameRef lang_ref(const DumpFrame& f) {
  common::LangFrameRef r;
  r.lang = f.lang;
  r.function = f.function.data();
  r.function_len = f.function.size();
  r.file = f.file.data();
  r.file_len = f.file.size();
  r.line = f.line;
  r.column = f.column;
  r.async = f.async;
  return r;
}

void add_native_key(common::SiteKey& key, const Dump& d, const std::vector<DumpFrame>& frames) {
  for (const DumpFrame& f : frames) {
    auto m = d.modules.find(f.module);
    bool in_module = m != d.modules.end();
    if (common::is_js_engine_frame(in_module, f.function.c_str()))
      key.js_engine_frame(in_module ? nullptr : f.function.c_str());
    else
      key.native_frame(m->second.path.c_str(), f.offset);
  }
}

ReportFrame report_frame(const Dump& d, const DumpFrame& f) {
  ReportFrame r;
  r.function = f.function;
  if (f.is_lang()) {
    r.lang = f.lang;
    r.file = f.file;
    r.line = f.line;
    r.column = f.column;
    r.async = f.async;
    return r;
  }
  r.offset = f.offset;
  r.addr = f.addr;
  if (auto m = d.modules.find(f.module); m != d.modules.end()) {
    r.module = m->second.path;
    r.build_id = m->second.build_id;
  }
  return r;
}

// Language frames first (the code that caused the descriptor), then the
// native frames that created it.
std::vector<ReportFrame> site_frames(const Dump& d, const DumpFd& fd) {
  std::vector<ReportFrame> out;
  for (const DumpFrame& f : frames_of(d, fd.lang_stack))
    if (f.is_lang()) out.push_back(report_frame(d, f));
  for (const DumpFrame& f : frames_of(d, fd.stack)) out.push_back(report_frame(d, f));
  return out;
}

// The last descriptor a pair of stacks counted, and the site's counters it
// went to: a stack's descriptors mostly share their kind, call and
// (normalised) target, so most are counted without a map lookup or
// normalising the target again.
struct LastCounted {
  std::string kind, call, target, normalised;
  long* kind_count = nullptr;
  long* target_count = nullptr;
};

void count(ReportSite& s, const DumpFd& fd, LastCounted& last) {
  if (s.count == 0) s.oldest_ms = s.newest_ms = fd.age_ms;
  ++s.count;
  const bool same_kind = last.kind_count && fd.kind == last.kind;
  if (!same_kind) {
    last.kind = fd.kind;
    last.kind_count = &s.kinds[fd.kind];
  }
  ++*last.kind_count;
  const bool same_call = last.target_count && fd.call == last.call;
  if (!(same_kind && same_call && fd.target == last.target)) {
    thread_local std::string normalised;
    normalised.resize(fd.target.size() + 8);
    normalised.resize(common::normalise_target(fd.kind.c_str(), fd.call.c_str(), fd.target.data(),
                                               normalised.data(), normalised.size()));
    if (!last.target_count || normalised != last.normalised) {
      last.normalised = normalised;
      last.target_count = &s.targets[normalised];
    }
    last.target = fd.target;
  }
  ++*last.target_count;
  s.oldest_ms = std::max(s.oldest_ms, fd.age_ms);
  s.newest_ms = std::min(s.newest_ms, fd.age_ms);
  if (!same_call) {
    if (std::find(s.calls.begin(), s.calls.end(), fd.call) == s.calls.end())
      s.calls.push_back(fd.call);
    last.call = fd.call;
  }
}

}  // namespace

uint64_t site_key_of(const Dump& d, const DumpFd& fd) {
  common::SiteKey key;
  bool has_lang = false;
  for (const DumpFrame& f : frames_of(d, fd.lang_stack))
    if (f.is_lang()) {
      key.lang_frame(lang_ref(f));
      has_lang = true;
    }
  if (!has_lang) add_native_key(key, d, frames_of(d, fd.stack));
  return key.value();
}

namespace {

std::string basename_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// A descriptor that a peak line stands for: its stacks, for the key and
// the frames of a site that holds nothing at the dump.
DumpFd peak_fd(const Dump& d, const DumpPeak& p) {
  DumpFd fd;
  fd.tracked = true;
  fd.call = p.call;
  const std::vector<DumpFrame>& frames = frames_of(d, p.stack);
  if (!frames.empty() && frames[0].is_lang()) {
    fd.lang_stack = p.stack;
    fd.stack = p.native_stack;
  } else {
    fd.stack = p.stack;
  }
  return fd;
}

class Grouper {
 public:
  explicit Grouper(GroupOptions o) : options_(o) {}

  void add(const Dump& d) {
    r_.at_exit = (r_.dumps == 0 || r_.at_exit) && d.reason == "exit";
    ++r_.dumps;
    processes_.insert({d.run + "@" + d.host, d.pid});
    DumpTally t;
    ReportProcess proc{d.pid, basename_of(d.exe), 0, (long)d.tracked_peak, d.reason};
    for (const DumpFd& fd : d.fds) {
      if (!fd.tracked) {
        ++r_.untracked;
        continue;
      }
      if (!options_.all_fds && is_standard_stream(fd)) {
        ++r_.standard_streams;
        continue;
      }
      ++r_.descriptors;
      ++proc.descriptors;
      StacksEntry& e = entry_of(d, fd, t);
      count(r_.sites[e.site], fd, e.last);
      ++e.open;
    }
    // Per pair of stacks, not per descriptor: a dump has few pairs.
    for (auto& [stacks, e] : t.site_of_stacks) {
      if (e.open == 0) continue;
      // The stack the library's peak lines count these for.
      uint32_t owner = stacks.first ? stacks.first : stacks.second;
      t.open[e.site] += e.open;
      t.owner_open[owner] += e.open;
      t.owner_site[owner] = e.site;
    }
    for (const DumpPeak& p : d.peaks) add_peak(d, p, t);
    finish_dump(d, t);
    proc.peak = std::max(proc.peak, proc.descriptors);
    r_.top_processes.push_back(std::move(proc));
  }

  SiteReport finish() {
    r_.processes = (long)processes_.size();
    std::stable_sort(r_.sites.begin(), r_.sites.end(), [](const ReportSite& a, const ReportSite& b) {
      return a.count != b.count ? a.count > b.count : a.peak > b.peak;
    });
    std::stable_sort(r_.top_processes.begin(), r_.top_processes.end(), [](auto& a, auto& b) {
      return a.peak != b.peak ? a.peak > b.peak : a.descriptors > b.descriptors;
    });
    if (r_.top_processes.size() > 5) r_.top_processes.resize(5);
    return std::move(r_);
  }

 private:
  // A pair of stack ids (language, native) of one dump: its site, and the
  // descriptors open with it.
  struct StacksEntry {
    size_t site = 0;
    long open = 0;
    LastCounted last;
  };

  // What one dump (one process) adds to each site.
  struct DumpTally {
    std::map<std::pair<uint32_t, uint32_t>, StacksEntry> site_of_stacks;  // the key is made once
    std::map<size_t, long> open;                 // site -> open at the dump
    std::map<uint32_t, long> owner_open;         // owner stack -> open at the dump
    std::map<uint32_t, size_t> owner_site;       // owner stack -> site
    std::map<size_t, long> peak;                 // site -> peak lines' sum
    std::map<size_t, int64_t> peak_time;         // site -> the latest of its peaks
    std::set<uint32_t> peaked;                   // owners with a peak line
    StacksEntry* last = nullptr;                 // the entry of the last descriptor, of
    std::pair<uint32_t, uint32_t> last_stacks;   // these stacks
  };

  StacksEntry& entry_of(const Dump& d, const DumpFd& fd, DumpTally& t) {
    // Descriptors of one stack often follow each other.
    if (t.last && t.last_stacks == std::make_pair(fd.lang_stack, fd.stack)) return *t.last;
    t.last_stacks = {fd.lang_stack, fd.stack};
    auto known = t.site_of_stacks.find({fd.lang_stack, fd.stack});
    if (known != t.site_of_stacks.end()) return *(t.last = &known->second);
    auto [it, fresh] = index_.emplace(site_key_of(d, fd), r_.sites.size());
    if (fresh) {
      ReportSite s;
      s.key = it->first;
      s.frames = site_frames(d, fd);
      r_.sites.push_back(std::move(s));
    }
    return *(t.last = &t.site_of_stacks
                           .emplace(std::make_pair(fd.lang_stack, fd.stack), StacksEntry{it->second, 0, {}})
                           .first->second);
  }

  void add_peak(const Dump& d, const DumpPeak& p, DumpTally& t) {
    if (p.peak <= 0 || !t.peaked.insert(p.stack).second) return;
    auto owned = t.owner_site.find(p.stack);
    size_t site = owned != t.owner_site.end() ? owned->second : entry_of(d, peak_fd(d, p), t).site;
    ReportSite& s = r_.sites[site];
    if (s.calls.empty()) s.calls.push_back(p.call);
    t.peak[site] += p.peak;
    t.peak_time[site] = std::max(t.peak_time[site], p.time_ms);
  }

  // A site's peak in this process: its owners' peak lines, and what the
  // owners without one hold now (their peak is now).
  void finish_dump(const Dump& d, DumpTally& t) {
    for (auto& [owner, open] : t.owner_open)
      if (!t.peaked.count(owner)) t.peak[t.owner_site[owner]] += open;
    for (auto& [site, peak] : t.peak) {
      ReportSite& s = r_.sites[site];
      long open = t.open.count(site) ? t.open[site] : 0;
      if (peak > s.peak) {
        s.peak = peak;
        s.peak_time_ms = t.peak_time.count(site) ? t.peak_time[site] : 0;
        if (s.most_in_process == 0) name_process(s, d);
      }
      ++s.processes;
      ++s.exes[basename_of(d.exe)];
      if (open > s.most_in_process) {
        s.most_in_process = open;
        name_process(s, d);
      }
    }
  }

  static void name_process(ReportSite& s, const Dump& d) {
    s.pid = d.pid;
    s.exe = basename_of(d.exe);
  }

  GroupOptions options_;
  SiteReport r_;
  std::unordered_map<uint64_t, size_t> index_;  // key -> site
  std::set<std::pair<std::string, int64_t>> processes_;
};

}  // namespace

std::vector<std::pair<std::string, long>> by_count(const std::map<std::string, long>& counts) {
  std::vector<std::pair<std::string, long>> v(counts.begin(), counts.end());
  std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
  return v;
}

size_t open_site_count(const SiteReport& r) {
  size_t n = 0;
  while (n < r.sites.size() && r.sites[n].count > 0) ++n;
  return n;
}

bool looks_more_like_a_leak(const ReportSite& a, const ReportSite& b) {
  if (a.most_in_process != b.most_in_process) return a.most_in_process > b.most_in_process;
  return a.count > b.count;
}

SiteReport group_sites(const std::vector<const Dump*>& dumps, GroupOptions options) {
  Grouper g(options);
  for (const Dump* d : dumps) g.add(*d);
  return g.finish();
}

class SiteGrouper::Impl : public Grouper {
 public:
  using Grouper::Grouper;
};

SiteGrouper::SiteGrouper(GroupOptions options) : impl_(std::make_unique<Impl>(options)) {}
SiteGrouper::~SiteGrouper() = default;
void SiteGrouper::add(const Dump& d) { impl_->add(d); }
SiteReport SiteGrouper::finish() { return impl_->finish(); }

}  // namespace fdscope::tool
