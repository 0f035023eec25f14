// SPDX-License-Identifier: MIT
// Command-line values and the report options shared by the subcommands.
#pragma once

#include <cstddef>
#include <string>

#include "input/dump_selection.h"
#include "output/reports.h"

namespace fdscope::tool {

// A non-negative decimal count ("10"); false for anything else.
bool parse_count(const char* s, size_t* out);

// A process id argument: decimal digits only ("0" and values past the
// range included: the caller says why they are no process); false, and
// *pid untouched, for anything else.
bool parse_pid(const std::string& arg, long* pid);

// Colour on a terminal only, and not with NO_COLOR set.
bool colour_for(int fd);

// What a command that prints a report was asked for.
struct ReportArgs {
  RenderOptions render;
  Pick pick = Pick::kLast;
  bool all_frames = false;
  bool all_fds = false;  // standard streams too
};

// The report options a command accepts (a mask).
enum ReportOption : unsigned {
  kOptTop = 1,         // --top N
  kOptFormat = 2,      // --format text|json
  kOptFolded = 4,      // ...|folded
  kOptAll = 8,         // --all
  kOptAllFrames = 16,  // --all-frames
  kOptAllFds = 32,     // --all-fds
  kOptHtml = 64,       // ...|html
};

enum class Taken { kNo, kYes, kBad };

// When argv[*i] is one of the `accepted` report options, takes it (and its
// value, advancing *i) into *out: kYes; kBad when its value is wrong (said
// on stderr, prefixed by `who`); kNo when it is not a report option.
Taken take_report_option(int argc, char** argv, int* i, unsigned accepted, const char* who,
                         ReportArgs* out);

}  // namespace fdscope::tool
