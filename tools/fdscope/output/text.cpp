#include "output/text.h"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace fdscope::tool {
namespace {

std::string basename_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string age(int64_t ms) {
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 120000) return fmt::format("{:.1f}s", ms / 1000.0);
  if (ms < 7200000) return fmt::format("{:.1f}min", ms / 60000.0);
  return fmt::format("{:.1f}h", ms / 3600000.0);
}

// Text from dumps (file names, function names) may hold control characters:
// shown escaped, so they can neither break lines nor drive the terminal.
std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += (char)c;
  }
  return out;
}

template <typename Map>
std::vector<std::pair<std::string, long>> by_count(const Map& m) {
  std::vector<std::pair<std::string, long>> v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
  return v;
}

}  // namespace

void print_site(std::FILE* out, const Site& s, const TextOptions& o, size_t width) {
  const char* bold = o.colour ? "\033[1m" : "";
  const char* red = o.colour ? "\033[31m" : "";
  const char* dim = o.colour ? "\033[2m" : "";
  const char* reset = o.colour ? "\033[0m" : "";
  auto kinds = by_count(s.kinds);
  auto targets = by_count(s.targets);
  std::string kind_text;
  for (auto& [k, n] : kinds) kind_text += (kind_text.empty() ? "" : ",") + k;
  fmt::print(out, "{}{:>{}} x {}{}  created by {}, age {}..{}\n", red, s.count, width, kind_text,
             reset, fmt::join(s.calls, "/"), age(s.newest_ms), age(s.oldest_ms));
  for (size_t t = 0; t < targets.size() && t < 3; ++t)
    fmt::print(out, "  {:>{}} x {}\n", targets[t].second, width, printable(targets[t].first));
  if (targets.size() > 3)
    fmt::print(out, "  {:>{}}   ({} more targets)\n", "", width, targets.size() - 3);
  const auto& frames = s.frames;
  if (frames.empty()) fmt::print(out, "    {}(no stack recorded){}\n", dim, reset);
  for (size_t f = 0; f < frames.size() && f < o.frames; ++f) {
    const SiteFrame& fr = frames[f];
    std::string where = fr.module.empty()
                            ? fmt::format("0x{:x} (JIT or unknown code)", fr.addr)
                            : fmt::format("{}+0x{:x}", basename_of(fr.module), fr.offset);
    std::string source = fr.line > 0 ? fmt::format("{}:{}  ", printable(fr.file), fr.line) : "";
    fmt::print(out, "    #{:<2} {}{}{}  {}{}({}){}\n", f, bold,
               fr.function.empty() ? "??" : printable(fr.function), reset, source, dim,
               printable(where), reset);
  }
  if (frames.size() > o.frames)
    fmt::print(out, "    {}... {} more frames{}\n", dim, frames.size() - o.frames, reset);
}

void print_text_report(std::FILE* out, const SiteReport& r, const TextOptions& o) {
  const char* bold = o.colour ? "\033[1m" : "";
  const char* reset = o.colour ? "\033[0m" : "";
  fmt::print(out, "{}{} descriptors open from {} call site{}{} ({} dump{}, {} process{}; {} untracked)\n",
             bold, r.descriptors, r.sites.size(), r.sites.size() == 1 ? "" : "s", reset, r.dumps,
             r.dumps == 1 ? "" : "s",
             r.processes, r.processes == 1 ? "" : "es", r.untracked);
  size_t shown = std::min(o.top, r.sites.size());
  size_t width = 1;
  for (size_t i = 0; i < shown; ++i)
    width = std::max(width, std::to_string(r.sites[i].count).size());
  for (size_t i = 0; i < shown; ++i) {
    fmt::print(out, "\n");
    print_site(out, r.sites[i], o, width);
  }
  if (r.sites.size() > shown) {
    long rest = 0;
    for (size_t i = shown; i < r.sites.size(); ++i) rest += r.sites[i].count;
    fmt::print(out, "\n({} more call sites with {} descriptors; --top N shows more)\n",
               r.sites.size() - shown, rest);
  }
}

}  // namespace fdscope::tool
