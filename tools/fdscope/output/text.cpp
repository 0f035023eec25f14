// SPDX-License-Identifier: MIT
#include "output/text.h"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "output/frame_text.h"

namespace fdscope::tool {
namespace {

struct Style {
  explicit Style(bool colour)
      : bold(colour ? "\033[1m" : ""), red(colour ? "\033[31m" : ""),
        dim(colour ? "\033[2m" : ""), reset(colour ? "\033[0m" : "") {}
  const char *bold, *red, *dim, *reset;
};

std::string basename_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string age(int64_t ms) {
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 120000) return fmt::format("{:.1f}s", ms / 1000.0);
  if (ms < 7200000) return fmt::format("{:.1f}min", ms / 60000.0);
  return fmt::format("{:.1f}h", ms / 3600000.0);
}

template <typename Map>
std::vector<std::pair<std::string, long>> by_count(const Map& m) {
  std::vector<std::pair<std::string, long>> v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
  return v;
}

// "(js)", "(python)", "(leaky+0x12a8)", "(0x7f.. (JIT or unknown code))",
// "(inlined)" (the next frame's module and offset)
std::string origin(const ReportFrame& f) {
  if (f.is_lang()) return common::lang_name(f.lang);
  if (f.inlined) return "inlined";
  if (f.module.empty()) return fmt::format("0x{:x} (JIT or unknown code)", f.addr);
  return fmt::format("{}+0x{:x}", basename_of(f.module), f.offset);
}

void print_frame(std::FILE* out, size_t n, const ReportFrame& f, const Style& st) {
  if (f.async) fmt::print(out, "    {}-- async --{}\n", st.dim, st.reset);
  std::string where = frame_location(f);
  fmt::print(out, "    #{:<2} {}{}{}  {}{}({}){}\n", n, st.bold, printable(frame_function(f)),
             st.reset, where.empty() ? "" : printable(where) + "  ", st.dim,
             printable(origin(f)), st.reset);
}

}  // namespace

void print_site(std::FILE* out, const ReportSite& s, const TextOptions& o, size_t width) {
  Style st(o.colour);
  auto targets = by_count(s.targets);
  std::string kind_text;
  for (auto& [k, n] : by_count(s.kinds)) kind_text += (kind_text.empty() ? "" : ",") + k;
  fmt::print(out, "{}{:>{}} x {}{}  created by {}, age {}..{}\n", st.red, s.count, width,
             kind_text, st.reset, fmt::join(s.calls, "/"), age(s.newest_ms), age(s.oldest_ms));
  for (size_t t = 0; t < targets.size() && t < 3; ++t)
    fmt::print(out, "  {:>{}} x {}\n", targets[t].second, width, printable(targets[t].first));
  if (targets.size() > 3)
    fmt::print(out, "  {:>{}}   ({} more targets)\n", "", width, targets.size() - 3);
  if (s.frames.empty()) fmt::print(out, "    {}(no stack recorded){}\n", st.dim, st.reset);
  // Inlined frames come with the frame they were expanded from, uncounted:
  // a deep inline chain (std::make_shared, emplace_back...) hides none of
  // the frames shown without it.
  size_t shown = 0, counted = 0;
  for (; shown < s.frames.size() && counted < o.frames; ++shown) {
    print_frame(out, shown, s.frames[shown], st);
    if (!s.frames[shown].inlined) ++counted;
  }
  if (s.frames.size() > shown)
    fmt::print(out, "    {}... {} more frames{}\n", st.dim, s.frames.size() - shown, st.reset);
}

void print_text_report(std::FILE* out, const SiteReport& r, const TextOptions& o) {
  Style st(o.colour);
  fmt::print(out, "{}{} descriptors open from {} call site{}{} ({} dump{}, {} process{}; {} untracked)\n",
             st.bold, r.descriptors, r.sites.size(), r.sites.size() == 1 ? "" : "s", st.reset,
             r.dumps, r.dumps == 1 ? "" : "s", r.processes, r.processes == 1 ? "" : "es",
             r.untracked);
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
