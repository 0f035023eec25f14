#include "analysis/sites.h"

#include "symbols/perf_map.h"
#include "symbols/source_lines.h"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace fdscope::tool {

bool is_runtime_module(const std::string& path) {
  std::string base = path.substr(path.rfind('/') + 1);
  return base.rfind("libc.so", 0) == 0 || base.rfind("libc-", 0) == 0 ||
         base.rfind("ld-linux", 0) == 0 || base.rfind("libpthread", 0) == 0 ||
         base.rfind("libfdscope", 0) == 0;
}

std::string normalise_target(const std::string& kind, const std::string& call,
                             const std::string& target) {
  if (kind != "socket") return target;
  size_t arrow = target.find(" -> ");
  size_t space = target.find(' ');
  if (arrow == std::string::npos || space == std::string::npos || space >= arrow) return target;
  if (call == "accept" || call == "accept4") {
    std::string peer = target.substr(arrow + 4);
    size_t colon = peer.rfind(':');
    size_t suffix = peer.find(' ');  // " (not connected)"
    if (colon != std::string::npos && (suffix == std::string::npos || colon < suffix))
      peer = peer.substr(0, colon) + (suffix == std::string::npos ? "" : peer.substr(suffix));
    return target.substr(0, arrow) + " <- " + peer;
  }
  return target.substr(0, space) + target.substr(arrow);
}

namespace {

// V8's code outside JIT memory: the interpreter and builtins, embedded in
// the node binary under Builtins_* names.
bool is_js_runtime_frame(const Frame& f) {
  return f.module < 0 || f.function.rfind("Builtins_", 0) == 0;
}

// The identity of a stack across processes: module and offset of each frame.
// JavaScript frames are JIT code that moves as it is recompiled, and the
// same function runs in the interpreter or as optimised code as it warms
// up: a run of them counts as one "js" token, named by its JavaScript
// functions when a perf map gave names (tier markers stripped).
std::string site_key(const Dump& d, const std::vector<Frame>& frames) {
  std::string key;
  bool in_js = false;
  for (const Frame& f : frames) {
    auto m = d.modules.find(f.module);
    if (is_js_runtime_frame(f) || m == d.modules.end()) {
      if (!in_js) key += "js|";
      in_js = true;
      if (f.module < 0 && !f.function.empty()) key += js_function_key(f.function) + "|";
      continue;
    }
    in_js = false;
    key += m->second.path;
    key += '+';
    key += std::to_string(f.offset);
    key += '|';
  }
  return key;
}

}  // namespace

SiteReport group_sites(const std::vector<const Dump*>& dumps) {
  SiteReport r;
  std::unordered_map<std::string, size_t> index;
  std::set<std::pair<std::string, int64_t>> processes;
  for (const Dump* d : dumps) {
    ++r.dumps;
    processes.insert({d->run + "@" + d->host, d->pid});
    std::unordered_map<uint32_t, size_t> site_of_stack;  // per dump: stack id -> site
    for (const FdRecord& fd : d->fds) {
      if (!fd.tracked) {
        ++r.untracked;
        continue;
      }
      ++r.descriptors;
      auto known = site_of_stack.find(fd.stack);
      if (known == site_of_stack.end()) {
        static const std::vector<Frame> kNoFrames;
        auto st = d->stacks.find(fd.stack);
        const std::vector<Frame>& frames = st == d->stacks.end() ? kNoFrames : st->second;
        std::string key = site_key(*d, frames);
        auto [it, fresh] = index.emplace(key, r.sites.size());
        if (fresh) {
          Site s;
          s.key = key;
          for (const Frame& f : frames) {
            auto m = d->modules.find(f.module);
            bool has_module = m != d->modules.end();
            s.frames.push_back(SiteFrame{f.function, has_module ? m->second.path : "", f.offset,
                                         f.addr, has_module ? m->second.build_id : "", "", 0});
          }
          s.oldest_ms = s.newest_ms = fd.age_ms;
          r.sites.push_back(std::move(s));
        }
        known = site_of_stack.emplace(fd.stack, it->second).first;
      }
      Site& s = r.sites[known->second];
      ++s.count;
      ++s.kinds[fd.kind];
      ++s.targets[normalise_target(fd.kind, fd.call, fd.target)];
      s.oldest_ms = std::max(s.oldest_ms, fd.age_ms);
      s.newest_ms = std::min(s.newest_ms, fd.age_ms);
      if (std::find(s.calls.begin(), s.calls.end(), fd.call) == s.calls.end())
        s.calls.push_back(fd.call);
    }
  }
  r.processes = (long)processes.size();
  std::stable_sort(r.sites.begin(), r.sites.end(),
                   [](const Site& a, const Site& b) { return a.count > b.count; });
  return r;
}

namespace {

// A JavaScript frame named by a perf map ("JS:~readConfig /srv/app.js:23:25")
// from the program's own code, not Node.js's ("node:fs:581:16").
bool is_program_js_frame(const SiteFrame& f) {
  if (!f.module.empty() || f.function.empty()) return false;
  size_t space = f.function.find(' ');
  if (space == std::string::npos) return false;
  std::string where = f.function.substr(space + 1);
  return where.rfind("node:", 0) != 0 && where.rfind("internal/", 0) != 0 &&
         where.rfind("[eval", 0) != 0 && !where.empty();
}

}  // namespace

void fold_runtime_frames(SiteReport& report) {
  for (Site& s : report.sites) {
    s.frames.erase(std::remove_if(s.frames.begin(), s.frames.end(),
                                  [](const SiteFrame& f) {
                                    return !f.module.empty() && is_runtime_module(f.module);
                                  }),
                   s.frames.end());
    // With JavaScript names at hand, the program's frame is its innermost
    // own JavaScript function: the runtime's native and JavaScript frames
    // below it (libuv, V8, node:fs) are folded away too.
    auto own = std::find_if(s.frames.begin(), s.frames.end(), is_program_js_frame);
    if (own != s.frames.end()) s.frames.erase(s.frames.begin(), own);
  }
}

void add_source_lines(SiteReport& report, SourceLines& lines) {
  for (Site& s : report.sites)
    for (SiteFrame& f : s.frames)
      if (auto where = lines.lookup(f.module, f.build_id, f.offset)) {
        f.file = where->file;
        f.line = where->line;
      }
}

}  // namespace fdscope::tool
