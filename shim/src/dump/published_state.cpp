// SPDX-License-Identifier: MIT
#include "dump/published_state.h"

#include <string.h>

#include <atomic>

#include "fdscope_common/process_state.h"
#include "platform/reserve_fd.h"
#include "platform/sys.h"
#include "state/options.h"
#include "util/text.h"

namespace fdscope {
namespace {

// The latest dump, written under the dump lock.
struct LastDump {
  unsigned count = 0, seq = 0;
  Reason reason = Reason::kRequest;
  int error = 0;
  char path[kPathMax] = "";
};
LastDump g_last;

// One writer at a time; whoever finds the writer busy sets g_again, and
// the writer renders once more before it leaves (a signal handler that
// interrupts the writer in its own thread must not wait for it).
std::atomic<bool> g_writing{false}, g_again{false};
std::atomic<uint64_t> g_gen{0};
std::atomic<const char*> g_signal_owner{"none"};
char g_text[common::kStateMaxBytes];  // the writer's

// Appends to g_text, dropping what does not fit.
struct Text {
  size_t len = 0;
  void add(const char* s, size_t n) {
    for (size_t i = 0; i < n && len < sizeof(g_text); ++i) g_text[len++] = s[i];
  }
  void add(const char* s) { add(s, strlen(s)); }
  void num(uint64_t v) {
    char b[24];
    add(b, format_u64(b, v));
  }
  // A value never holds a newline: the reader splits on them.
  void line(const char* key, const char* value) {
    add(key), add("=");
    for (; *value && len < sizeof(g_text); ++value) g_text[len++] = *value == '\n' ? ' ' : *value;
    add("\n");
  }
  void line(const char* key, uint64_t value) { add(key), add("="), num(value), add("\n"); }
};

void render_and_write(int fd) {
  const uint64_t gen = g_gen.fetch_add(1, std::memory_order_relaxed) + 1;
  const Options& o = options();
  Text t;
  t.add("fdscope-state "), t.num(common::kStateVersion), t.add(" gen="), t.num(gen), t.add("\n");
  t.line("pid", (uint64_t)sys::getpid());
  t.line("signal", (uint64_t)(o.signal > 0 ? o.signal : 0));
  t.line("signal_owner", g_signal_owner.load(std::memory_order_relaxed));
  t.line("output", o.output[0] ? o.output : "");
  t.line("options", options_text());
  t.line("dumps", g_last.count);
  t.line("last_seq", g_last.seq);
  t.line("last_reason", g_last.count ? reason_name(g_last.reason) : "");
  t.line("last_path", g_last.path);
  t.line("last_error", (uint64_t)(g_last.error < 0 ? -g_last.error : 0));
  // The end line must fit whole, or a reader would take a cut text as whole.
  char end[40] = "end gen=";
  size_t n = 8 + format_u64(end + 8, gen);
  end[n++] = '\n';
  if (t.len + n > sizeof(g_text)) t.len = sizeof(g_text) - n;
  t.add(end, n);
  sys::ops.pwrite(fd, g_text, t.len, 0);
}

}  // namespace

void state_publish() {
  g_again.store(true, std::memory_order_release);
  while (g_again.load(std::memory_order_acquire)) {
    bool idle = false;
    if (!g_writing.compare_exchange_strong(idle, true, std::memory_order_acquire)) return;
    g_again.store(false, std::memory_order_relaxed);
    int fd = reserve_memfd();
    if (fd >= 0) render_and_write(fd);
    g_writing.store(false, std::memory_order_release);
  }
}

void state_dump_written(unsigned seq, Reason reason, const char* path, int error) {
  ++g_last.count;
  g_last.seq = seq;
  g_last.reason = reason;
  g_last.error = error;
  copy_bounded(g_last.path, path);
  state_publish();
}

void state_set_signal_owner(const char* owner) {
  g_signal_owner.store(owner, std::memory_order_relaxed);
  state_publish();
}

void state_after_fork() {
  g_last = LastDump{};
  g_writing.store(false);
  state_publish();
}

}  // namespace fdscope
