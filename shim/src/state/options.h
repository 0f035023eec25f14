// SPDX-License-Identifier: MIT
// FDSCOPE_OPTIONS: "key=value:key=value" (',' also separates), in the style
// of ASAN_OPTIONS; a list value goes on after ',' ("redact=argv,paths"). Parsed once at start-up without allocating. A bad key or
// value gets one line on stderr naming it; that key keeps its default.
#pragma once

#include <stdint.h>

namespace fdscope {

enum class Action : uint8_t { kReport, kAbort };
enum class DoubleClose : uint8_t { kReport, kAbort, kOff };
enum class Metrics : uint8_t { kNone, kEmf };
enum class LangMode : uint8_t { kAuto, kOff };

constexpr unsigned kPathMax = 512;

struct Options {
  uint32_t threshold = 80;      // count, or percent of the soft limit
  bool threshold_percent = true;
  int signal = 12;              // SIGUSR2; 0 = none
  char output[kPathMax] = "";   // empty: $TMPDIR/fdscope.%p.jsonl
  char log[kPathMax] = "stderr";
  unsigned depth = 32;
  bool on_emfile = true;
  bool at_exit = false;
  Action action = Action::kReport;
  unsigned max_dumps = 16;
  DoubleClose double_close = DoubleClose::kReport;
  Metrics metrics = Metrics::kNone;
  LangMode lang = LangMode::kAuto;
  // Stacks only once this many descriptors are open (count, or percent of
  // the soft limit at start-up); below it descriptors are counted without
  // a stack. 0: always (the default).
  uint32_t stacks_from = 0;
  bool stacks_from_percent = false;
  // redact=argv,paths: what dumps and logs leave out (docs/dump-format.md,
  // "What a dump contains").
  bool redact_argv = false;
  bool redact_paths = false;
};

// Parses `text` into `out` (starting from defaults); reports problems through
// `error(line)`. Exposed for the unit tests; the shim calls load_options().
void parse_options(const char* text, Options* out, void (*error)(const char* line));

// Reads FDSCOPE_OPTIONS (ignored, with a note, in setuid/setgid processes).
void load_options();
// Takes the options from `text` instead (fdscope attach: the process has no
// FDSCOPE_OPTIONS of its own); problems go to stderr as for load_options().
void load_options_from(const char* text);

const Options& options();

// The option text the library started with ("" when none), cut at 1 KiB:
// published for `fdscope snapshot` (track/published_state.h).
const char* options_text();

}  // namespace fdscope
