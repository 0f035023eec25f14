// SPDX-License-Identifier: MIT
#include "analysis/sites.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "analysis/targets.h"
#include "fdscope_common/runtime_frames.h"
#include "fdscope_common/site_key.h"

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

void count(ReportSite& s, const DumpFd& fd) {
  ++s.count;
  ++s.kinds[fd.kind];
  ++s.targets[normalise_target(fd.kind, fd.call, fd.target)];
  s.oldest_ms = std::max(s.oldest_ms, fd.age_ms);
  s.newest_ms = std::min(s.newest_ms, fd.age_ms);
  if (std::find(s.calls.begin(), s.calls.end(), fd.call) == s.calls.end())
    s.calls.push_back(fd.call);
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

SiteReport group_sites(const std::vector<const Dump*>& dumps) {
  SiteReport r;
  std::unordered_map<uint64_t, size_t> index;  // key -> site
  std::set<std::pair<std::string, int64_t>> processes;
  for (const Dump* d : dumps) {
    ++r.dumps;
    processes.insert({d->run + "@" + d->host, d->pid});
    // Per dump, a pair of stack ids names one site: the key is made once.
    std::map<std::pair<uint32_t, uint32_t>, size_t> site_of_stacks;
    for (const DumpFd& fd : d->fds) {
      if (!fd.tracked) {
        ++r.untracked;
        continue;
      }
      ++r.descriptors;
      auto known = site_of_stacks.find({fd.lang_stack, fd.stack});
      if (known == site_of_stacks.end()) {
        auto [it, fresh] = index.emplace(site_key_of(*d, fd), r.sites.size());
        if (fresh) {
          ReportSite s;
          s.key = it->first;
          s.frames = site_frames(*d, fd);
          s.oldest_ms = s.newest_ms = fd.age_ms;
          r.sites.push_back(std::move(s));
        }
        known = site_of_stacks.emplace(std::make_pair(fd.lang_stack, fd.stack), it->second).first;
      }
      count(r.sites[known->second], fd);
    }
  }
  r.processes = (long)processes.size();
  std::stable_sort(r.sites.begin(), r.sites.end(),
                   [](const ReportSite& a, const ReportSite& b) { return a.count > b.count; });
  return r;
}

}  // namespace fdscope::tool
