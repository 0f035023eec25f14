// SPDX-License-Identifier: MIT
#include "cli/args.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace fdscope::tool {

bool parse_count(const char* s, size_t* out) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (!*s || *end || errno || s[0] == '-') return false;
  *out = (size_t)v;
  return true;
}

bool parse_pid(const std::string& arg, long* pid) {
  if (arg.empty() || arg.find_first_not_of("0123456789") != std::string::npos) return false;
  *pid = std::strtol(arg.c_str(), nullptr, 10);
  return true;
}

bool colour_for(int fd) { return isatty(fd) && !getenv("NO_COLOR"); }

Taken take_report_option(int argc, char** argv, int* i, unsigned accepted, const char* who,
                         ReportArgs* out) {
  const std::string a = argv[*i];
  bool valued = (a == "--top" && (accepted & kOptTop)) || (a == "--format" && (accepted & kOptFormat));
  if (valued && *i + 1 >= argc) {
    fmt::print(stderr, "{}: {} needs a value\n", who, a);
    return Taken::kBad;
  }
  if (a == "--top" && valued) {
    if (!parse_count(argv[++*i], &out->render.top)) {
      fmt::print(stderr, "{}: --top needs a number, not '{}'\n", who, argv[*i]);
      return Taken::kBad;
    }
    out->render.top_given = true;
  } else if (a == "--format" && valued) {
    const std::string name = argv[++*i];
    bool folded_ok = accepted & kOptFolded;
    bool html_ok = accepted & kOptHtml;
    if (!parse_format(name, &out->render.format) ||
        (!folded_ok && out->render.format == Format::kFolded) ||
        (!html_ok && out->render.format == Format::kHtml)) {
      fmt::print(stderr, "{}: unknown format '{}' (text, json{}{})\n", who, name,
                 folded_ok ? ", folded" : "", html_ok ? ", html" : "");
      return Taken::kBad;
    }
  } else if (a == "--all" && (accepted & kOptAll)) {
    out->pick = Pick::kEvery;
  } else if (a == "--all-frames" && (accepted & kOptAllFrames)) {
    out->all_frames = true;
  } else if (a == "--all-fds" && (accepted & kOptAllFds)) {
    out->all_fds = true;
  } else {
    return Taken::kNo;
  }
  return Taken::kYes;
}

}  // namespace fdscope::tool
