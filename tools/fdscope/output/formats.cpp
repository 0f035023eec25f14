#include "output/formats.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace fdscope::tool {

void print_json_report(std::FILE* out, const SiteReport& r, size_t top) {
  nlohmann::ordered_json j;
  j["dumps"] = r.dumps;
  j["processes"] = r.processes;
  j["descriptors"] = r.descriptors;
  j["untracked"] = r.untracked;
  j["sites"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < r.sites.size() && i < top; ++i) {
    const Site& s = r.sites[i];
    nlohmann::ordered_json site;
    site["count"] = s.count;
    site["kinds"] = nlohmann::ordered_json::object();
    for (auto& [k, n] : s.kinds) site["kinds"][k] = n;
    std::vector<std::pair<std::string, long>> targets(s.targets.begin(), s.targets.end());
    std::stable_sort(targets.begin(), targets.end(),
                     [](auto& a, auto& b) { return a.second > b.second; });
    site["targets"] = nlohmann::ordered_json::array();
    for (auto& [t, n] : targets) site["targets"].push_back({{"target", t}, {"count", n}});
    site["oldest_ms"] = s.oldest_ms;
    site["newest_ms"] = s.newest_ms;
    site["frames"] = nlohmann::ordered_json::array();
    for (const SiteFrame& f : s.frames) {
      nlohmann::ordered_json frame;
      frame["function"] = f.function;
      frame["module"] = f.module;
      if (f.line > 0) {
        frame["file"] = f.file;
        frame["line"] = f.line;
      } else {
        frame["file"] = nullptr;
        frame["line"] = nullptr;
      }
      frame["address"] = fmt::format("0x{:x}", f.module.empty() ? f.addr : f.offset);
      site["frames"].push_back(std::move(frame));
    }
    j["sites"].push_back(std::move(site));
  }
  fmt::print(out, "{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

void print_folded_report(std::FILE* out, const SiteReport& r) {
  for (const Site& s : r.sites) {
    std::string line;
    for (auto it = s.frames.rbegin(); it != s.frames.rend(); ++it) {
      std::string name = it->function.empty()
                             ? (it->module.empty() ? "[jit]"
                                                   : fmt::format("{}+0x{:x}",
                                                                 it->module.substr(it->module.rfind('/') + 1),
                                                                 it->offset))
                             : it->function;
      // ';' separates frames (the count follows the last space, so spaces
      // in C++ signatures are fine).
      std::replace(name.begin(), name.end(), ';', ':');
      line += (line.empty() ? "" : ";") + name;
    }
    if (line.empty()) line = "[no stack]";
    fmt::print(out, "{} {}\n", line, s.count);
  }
}

}  // namespace fdscope::tool
