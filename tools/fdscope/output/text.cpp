// SPDX-License-Identifier: MIT
#include "output/text.h"

#include <time.h>

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

std::string age(int64_t ms) {
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 120000) return fmt::format("{:.1f}s", ms / 1000.0);
  if (ms < 7200000) return fmt::format("{:.1f}min", ms / 60000.0);
  return fmt::format("{:.1f}h", ms / 3600000.0);
}

// "(js)", "(python)", "(leaky+0x12a8)", "(0x7f.. (JIT or unknown code))",
// "(inlined)" (the next frame's module and offset)
std::string origin(const ReportFrame& f) {
  if (f.is_lang()) return common::lang_name(f.lang);
  if (f.inlined) return "inlined";
  if (f.module.empty()) return fmt::format("0x{:x} (JIT or unknown code)", f.addr);
  return frame_module_offset(f);
}

void print_frame(std::FILE* out, size_t n, const ReportFrame& f, const Style& st) {
  if (f.async) fmt::print(out, "    {}-- async --{}\n", st.dim, st.reset);
  std::string where = frame_location(f);
  fmt::print(out, "    #{:<2} {}{}{}  {}{}({}){}\n", n, st.bold, printable(frame_function(f)),
             st.reset, where.empty() ? "" : printable(where) + "  ", st.dim,
             printable(origin(f)), st.reset);
}

// "  in python3.11 (pid 42)", "  in 22 processes (bash 22), at most 1 each";
// only when the report covers several processes.
std::string process_text(const ReportSite& s, const SiteReport& r) {
  if (r.processes <= 1 || s.processes == 0) return "";
  if (s.processes == 1) return fmt::format("  in {} (pid {})", printable(s.exe), s.pid);
  std::string exes;
  for (auto& [exe, n] : by_count(s.exes))
    exes += fmt::format("{}{} {}", exes.empty() ? "" : ", ", printable(exe), n);
  return fmt::format("  in {} processes ({}), at most {} in one", s.processes, exes,
                     s.count > 0 ? s.most_in_process : s.peak);
}

std::string clock_time(int64_t unix_ms) {
  time_t secs = (time_t)(unix_ms / 1000);
  struct tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:02}:{:02}:{:02}.{:03} UTC", tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int)(unix_ms % 1000));
}

void print_frames(std::FILE* out, const ReportSite& s, const TextOptions& o, const Style& st) {
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

// A site that holds nothing at the dumps but held `peak` at once.
void print_peak_site(std::FILE* out, const ReportSite& s, const SiteReport& r,
                     const TextOptions& o, size_t width) {
  Style st(o.colour);
  fmt::print(out, "{}peak {:>{}}{}, 0 {}  created by {}{}{}\n", st.red, s.peak, width, st.reset,
             r.at_exit ? "at exit" : "at the dump", fmt::join(s.calls, "/"),
             s.peak_time_ms ? ", at " + clock_time(s.peak_time_ms) : "", process_text(s, r));
  print_frames(out, s, o, st);
}

size_t count_width(const std::vector<const ReportSite*>& sites, size_t n, bool peak) {
  size_t width = 1;
  for (size_t i = 0; i < n && i < sites.size(); ++i)
    width = std::max(width, std::to_string(peak ? sites[i]->peak : sites[i]->count).size());
  return width;
}

// "Held the most: python3.11 (pid 42) 50 at once, 0 at exit; bash (pid 40) 2, 1 at exit"
void print_processes(std::FILE* out, const SiteReport& r) {
  if (r.processes <= 1 || r.top_processes.empty() || r.top_processes[0].peak == 0) return;
  std::string most;
  for (size_t i = 0; i < r.top_processes.size() && i < 3; ++i) {
    const ReportProcess& p = r.top_processes[i];
    if (p.peak == 0) break;
    most += fmt::format("{}{} (pid {}) {} at once, {} {}", most.empty() ? "" : "; ",
                        printable(p.exe), p.pid, p.peak, p.descriptors,
                        p.reason == "exit" ? "at exit" : "at the dump");
  }
  fmt::print(out, "Held the most: {}\n", most);
}

// One line per dump before the counted ones: "threshold dump 1 of node
// (pid 42) at 12:00:01.234 UTC: 1000 open; largest: 803 x handler index.mjs:16".
void print_earlier(std::FILE* out, const SiteReport& r) {
  if (r.earlier.empty()) return;
  fmt::print(out, "Earlier dumps, not counted above (--all counts every dump):\n");
  constexpr size_t kShown = 5;
  for (size_t i = 0; i < r.earlier.size() && i < kShown; ++i) {
    const EarlierDump& e = r.earlier[i];
    std::string largest;
    if (!e.top.empty()) {
      const ReportSite& s = e.top[0];
      largest = fmt::format("; largest: {} x", s.count);
      if (!s.frames.empty()) {
        std::string where = frame_location(s.frames[0]);
        largest += " " + printable(frame_function(s.frames[0])) +
                   (where.empty() ? "" : "  " + printable(where));
      }
    }
    fmt::print(out, "  {} dump {} of {} (pid {}) at {}: {} open{}\n", printable(e.reason), e.seq,
               printable(e.exe), e.pid, clock_time(e.time_ms), e.descriptors, largest);
  }
  if (r.earlier.size() > kShown) fmt::print(out, "  ({} more)\n", r.earlier.size() - kShown);
}

}  // namespace

void print_site(std::FILE* out, const ReportSite& s, const TextOptions& o, size_t width,
                const SiteReport* report) {
  Style st(o.colour);
  auto targets = by_count(s.targets);
  std::string kind_text;
  for (auto& [k, n] : by_count(s.kinds)) kind_text += (kind_text.empty() ? "" : ",") + k;
  std::string peak = s.peak > s.most_in_process ? fmt::format(", peak {}", s.peak) : "";
  fmt::print(out, "{}{:>{}} x {}{}  created by {}, age {}..{}{}{}\n", st.red, s.count, width,
             kind_text, st.reset, fmt::join(s.calls, "/"), age(s.newest_ms), age(s.oldest_ms),
             peak, report ? process_text(s, *report) : "");
  for (size_t t = 0; t < targets.size() && t < 3; ++t)
    fmt::print(out, "  {:>{}} x {}\n", targets[t].second, width, printable(targets[t].first));
  if (targets.size() > 3)
    fmt::print(out, "  {:>{}}   ({} more targets)\n", "", width, targets.size() - 3);
  print_frames(out, s, o, st);
}

void print_text_report(std::FILE* out, const SiteReport& r, const TextOptions& o) {
  Style st(o.colour);
  size_t open_sites = 0;
  while (open_sites < r.sites.size() && r.sites[open_sites].count > 0) ++open_sites;
  std::string streams =
      r.standard_streams ? fmt::format("; {} standard stream{} not listed (--all-fds)",
                                       r.standard_streams, r.standard_streams == 1 ? "" : "s")
                         : "";
  fmt::print(out, "{}{} descriptors open from {} call site{}{} ({} dump{}, {} process{}; {} untracked{})\n",
             st.bold, r.descriptors, open_sites, open_sites == 1 ? "" : "s", st.reset,
             r.dumps, r.dumps == 1 ? "" : "s", r.processes, r.processes == 1 ? "" : "es",
             r.untracked, streams);
  print_processes(out, r);
  print_earlier(out, r);
  // A peak of 2 is one pipe or socket pair: not worth a person's time.
  constexpr long kPeakShown = 3;
  std::vector<const ReportSite*> ranked, peaked;
  for (size_t i = 0; i < r.sites.size(); ++i)
    if (i < open_sites) ranked.push_back(&r.sites[i]);
    else if (r.sites[i].peak >= kPeakShown) peaked.push_back(&r.sites[i]);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](auto* a, auto* b) { return looks_more_like_a_leak(*a, *b); });
  size_t shown = std::min(o.top, open_sites);
  size_t width = count_width(ranked, shown, false);
  for (size_t i = 0; i < shown; ++i) {
    fmt::print(out, "\n");
    print_site(out, *ranked[i], o, width, &r);
  }
  if (open_sites > shown) {
    long rest = 0;
    for (size_t i = shown; i < open_sites; ++i) rest += ranked[i]->count;
    fmt::print(out, "\n({} more call sites with {} descriptors; --top N shows more)\n",
               open_sites - shown, rest);
  }
  size_t peak_sites = peaked.size();
  if (peak_sites == 0) return;
  size_t peaks_shown = std::min(o.top, peak_sites);
  fmt::print(out, "\n{}{} call site{} held several descriptors at once while the program ran, "
                  "none {}:{}\n", st.bold, peak_sites, peak_sites == 1 ? "" : "s",
             r.at_exit ? "at exit" : "at the dump", st.reset);
  width = count_width(peaked, peaks_shown, true);
  for (size_t i = 0; i < peaks_shown; ++i) {
    fmt::print(out, "\n");
    print_peak_site(out, *peaked[i], r, o, width);
  }
  if (peak_sites > peaks_shown)
    fmt::print(out, "\n({} more such call sites; --top N shows more)\n", peak_sites - peaks_shown);
}

}  // namespace fdscope::tool
