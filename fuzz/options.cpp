// FDSCOPE_OPTIONS comes from whoever starts the process: parse_options must
// take any text without reading or writing out of bounds, leave every
// option within its documented range, and say what it rejected in whole,
// bounded lines (the host's stderr gets them).
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <string>

#include "state/options.h"
#include "util/text.h"

namespace {

size_t g_lines;

void check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "fuzz_options: %s\n", what);
    abort();
  }
}

void on_error(const char* line) {
  ++g_lines;
  size_t n = strlen(line);
  // Every problem is one line that LineBuf did not cut: it ends as written.
  check(n > 0 && n < 1023, "error line empty or filled LineBuf");
  check(strncmp(line, "fdscope: ", 9) == 0, "error line without its prefix");
  check(line[n - 1] == '\n' && memchr(line, '\n', n - 1) == nullptr, "error line not one line");
  static const char kTail[] = "' in FDSCOPE_OPTIONS; keeping the default\n";
  check(n > sizeof(kTail) && strcmp(line + n - (sizeof(kTail) - 1), kTail) == 0,
        "error line lost its ending");
}

bool same(const fdscope::Options& a, const fdscope::Options& b) {
  return a.threshold == b.threshold && a.threshold_percent == b.threshold_percent &&
         a.signal == b.signal && strcmp(a.output, b.output) == 0 && strcmp(a.log, b.log) == 0 &&
         a.depth == b.depth && a.on_emfile == b.on_emfile && a.at_exit == b.at_exit &&
         a.action == b.action && a.max_dumps == b.max_dumps && a.double_close == b.double_close &&
         a.metrics == b.metrics && a.lang == b.lang && a.stacks_from == b.stacks_from &&
         a.stacks_from_percent == b.stacks_from_percent;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The environment variable is a C string: the text up to a NUL.
  std::string text(reinterpret_cast<const char*>(data), size);
  fdscope::Options o;
  g_lines = 0;
  fdscope::parse_options(text.c_str(), &o, on_error);

  size_t items = 1;
  for (char c : std::string(text.c_str())) items += c == ':' || c == ',';
  check(g_lines <= items, "more error lines than items");

  check(strnlen(o.output, sizeof(o.output)) < sizeof(o.output), "output not terminated");
  check(strnlen(o.log, sizeof(o.log)) < sizeof(o.log), "log not terminated");
  check(o.depth >= 1 && o.depth <= 64, "depth out of range");
  check(o.max_dumps <= 1000000, "max_dumps out of range");
  check(o.threshold_percent ? o.threshold <= 100 : o.threshold <= 0x7fffffff, "threshold out of range");
  check(o.stacks_from_percent ? o.stacks_from <= 100 : o.stacks_from <= 0x7fffffff,
        "stacks_from out of range");
  check(o.signal == 0 || (o.signal > 0 && o.signal < NSIG && o.signal != SIGKILL && o.signal != SIGSTOP),
        "signal out of range");

  // The parse is a function of the text: once more gives the same options.
  fdscope::Options again;
  fdscope::parse_options(text.c_str(), &again, [](const char*) {});
  check(same(o, again), "a second parse differs");
  return 0;
}
