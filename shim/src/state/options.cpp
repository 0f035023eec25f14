// SPDX-License-Identifier: MIT
#include "state/options.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "util/text.h"
#include "util/log.h"

namespace fdscope {
namespace {

Options g_options;
char g_text[1024];

struct SignalName {
  const char* name;
  int number;
};
constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT},     {"USR1", SIGUSR1},
    {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"PWR", SIGPWR},   {"SYS", SIGSYS},
};

bool equals(const char* s, unsigned n, const char* word) {
  return strlen(word) == n && memcmp(s, word, n) == 0;
}

// Accepts "0", a number, "SIGUSR2", "USR2", "SIGRTMIN+3", "RTMIN+3".
bool parse_signal(const char* s, unsigned n, int* out) {
  uint64_t v;
  if (parse_u64(s, n, &v)) {
    if (v != 0 && (v >= (uint64_t)NSIG || v == SIGKILL || v == SIGSTOP)) return false;
    *out = (int)v;
    return true;
  }
  if (n > 3 && memcmp(s, "SIG", 3) == 0) s += 3, n -= 3;
  for (const SignalName& sig : kSignals)
    if (equals(s, n, sig.name)) return *out = sig.number, true;
  if (n >= 5 && memcmp(s, "RTMIN", 5) == 0) {
    uint64_t off = 0;
    if (n > 5 && (s[5] != '+' || !parse_u64(s + 6, n - 6, &off))) return false;
    if (off > (uint64_t)(SIGRTMAX - SIGRTMIN)) return false;
    *out = SIGRTMIN + (int)off;
    return true;
  }
  return false;
}

bool parse_bool(const char* s, unsigned n, bool* out) {
  if (equals(s, n, "1") || equals(s, n, "true") || equals(s, n, "yes")) return *out = true, true;
  if (equals(s, n, "0") || equals(s, n, "false") || equals(s, n, "no")) return *out = false, true;
  return false;
}

bool parse_path(const char* s, unsigned n, char* out) {
  if (n == 0 || n >= kPathMax) return false;
  memcpy(out, s, n);
  out[n] = 0;
  return true;
}

// "N" (a count) or "P%" (a percent of the soft limit).
bool parse_level(const char* v, unsigned vn, uint32_t* level, bool* percent) {
  uint64_t num;
  bool pct = vn > 0 && v[vn - 1] == '%';
  if (!parse_u64(v, pct ? vn - 1 : vn, &num)) return false;
  if (pct ? num > 100 : num > 0x7fffffff) return false;
  *level = (uint32_t)num;
  *percent = pct;
  return true;
}

// Returns false if the value is bad; the option then keeps its default.
bool apply(Options* o, const char* k, unsigned kn, const char* v, unsigned vn, bool* known) {
  *known = true;
  uint64_t num;
  if (equals(k, kn, "threshold")) return parse_level(v, vn, &o->threshold, &o->threshold_percent);
  if (equals(k, kn, "stacks_from"))
    return parse_level(v, vn, &o->stacks_from, &o->stacks_from_percent);
  if (equals(k, kn, "signal")) return parse_signal(v, vn, &o->signal);
  if (equals(k, kn, "output")) return parse_path(v, vn, o->output);
  if (equals(k, kn, "log")) return parse_path(v, vn, o->log);
  if (equals(k, kn, "depth")) {
    if (!parse_u64(v, vn, &num) || num < 1 || num > 64) return false;
    o->depth = (unsigned)num;
    return true;
  }
  if (equals(k, kn, "on_emfile")) return parse_bool(v, vn, &o->on_emfile);
  if (equals(k, kn, "at_exit")) return parse_bool(v, vn, &o->at_exit);
  if (equals(k, kn, "action")) {
    if (equals(v, vn, "report")) return o->action = Action::kReport, true;
    if (equals(v, vn, "abort")) return o->action = Action::kAbort, true;
    return false;
  }
  if (equals(k, kn, "max_dumps")) {
    if (!parse_u64(v, vn, &num) || num > 1000000) return false;
    o->max_dumps = (unsigned)num;
    return true;
  }
  if (equals(k, kn, "double_close")) {
    if (equals(v, vn, "report")) return o->double_close = DoubleClose::kReport, true;
    if (equals(v, vn, "abort")) return o->double_close = DoubleClose::kAbort, true;
    if (equals(v, vn, "off")) return o->double_close = DoubleClose::kOff, true;
    return false;
  }
  if (equals(k, kn, "metrics")) {
    if (equals(v, vn, "none")) return o->metrics = Metrics::kNone, true;
    if (equals(v, vn, "emf")) return o->metrics = Metrics::kEmf, true;
    return false;
  }
  if (equals(k, kn, "redact")) {
    if (equals(v, vn, "argv")) return o->redact_argv = true, true;
    if (equals(v, vn, "paths")) return o->redact_paths = true, true;
    if (equals(v, vn, "none")) return o->redact_argv = o->redact_paths = false, true;
    return false;
  }
  if (equals(k, kn, "lang")) {
    if (equals(v, vn, "auto")) return o->lang = LangMode::kAuto, true;
    if (equals(v, vn, "off")) return o->lang = LangMode::kOff, true;
    return false;
  }
  *known = false;
  return false;
}

// Long keys and values are cut short so that the line keeps its newline.
constexpr unsigned kShown = 200;

// The text as typed, but on one line: a control character (a newline in
// the variable) is shown as '?', so that the message stays one line and
// the variable cannot write lines of its own into the host's stderr.
// (Found by fuzzing: the key was echoed with its newline.)
void add_shown(LineBuf& line, const char* s, unsigned n) {
  if (n > kShown) n = kShown;
  for (unsigned i = 0; i < n; ++i) {
    const unsigned char c = (unsigned char)s[i];
    line.add(c < 0x20 || c == 0x7f ? "?" : s + i, 1);
  }
}

void complain(void (*error)(const char*), const char* what, const char* k, unsigned kn,
              const char* v, unsigned vn) {
  LineBuf line;
  line.add("fdscope: ").add(what).add(" '");
  add_shown(line, k, kn);
  if (kn > kShown) line.add("...");
  if (v) {
    line.add("=");
    add_shown(line, v, vn);
  }
  if (v && vn > kShown) line.add("...");
  line.add("' in FDSCOPE_OPTIONS; keeping the default\n");
  error(line.c_str());
}

void to_stderr(const char* line) { log_line_stderr(line); }

}  // namespace

void parse_options(const char* text, Options* out, void (*error)(const char*)) {
  *out = Options{};
  if (!text) return;
  const char* p = text;
  // The key of a list option just given ("redact"): an item without '='
  // after it, separated by ',', is another of its values.
  const char* list_key = nullptr;
  unsigned list_kn = 0;
  while (*p) {
    const bool after_comma = p > text && p[-1] == ',';
    const char* item = p;
    while (*p && *p != ':' && *p != ',') ++p;
    unsigned n = (unsigned)(p - item);
    if (*p) ++p;
    while (n > 0 && (*item == ' ' || *item == '\t')) ++item, --n;
    while (n > 0 && (item[n - 1] == ' ' || item[n - 1] == '\t')) --n;
    if (n == 0) continue;
    const char* eq = static_cast<const char*>(memchr(item, '=', n));
    bool known;
    if (!eq && list_key && after_comma) {
      if (!apply(out, list_key, list_kn, item, n, &known))
        complain(error, "bad value for option", list_key, list_kn, item, n);
      continue;
    }
    list_key = nullptr;
    if (!eq) {
      complain(error, "option without a value", item, n, nullptr, 0);
      continue;
    }
    unsigned kn = (unsigned)(eq - item), vn = n - kn - 1;
    if (equals(item, kn, "redact")) list_key = item, list_kn = kn;
    if (!apply(out, item, kn, eq + 1, vn, &known)) {
      if (known)
        complain(error, "bad value for option", item, kn, eq + 1, vn);
      else
        complain(error, "unknown option", item, kn, nullptr, 0);
    }
  }
}

void load_options() {
  const char* text = getenv("FDSCOPE_OPTIONS");
  if (text && getauxval(AT_SECURE)) {
    log_line_stderr("fdscope: FDSCOPE_OPTIONS ignored in a setuid/setgid process\n");
    text = nullptr;
  }
  load_options_from(text);
}

void load_options_from(const char* text) {
  parse_options(text, &g_options, to_stderr);
  copy_bounded(g_text, text ? text : "");
}

const Options& options() { return g_options; }

const char* options_text() { return g_text; }

}  // namespace fdscope
