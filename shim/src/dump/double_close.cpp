// SPDX-License-Identifier: MIT
#include "dump/double_close.h"

#include <fcntl.h>
#include <string.h>

#include <atomic>

#include "dump/log_sink.h"
#include "state/options.h"
#include "platform/sys.h"
#include "util/text.h"
#include "dump/dump.h"
#include "dump/frames_json.h"
#include "util/json_writer.h"
#include "dump/output_file.h"
#include "util/scratch.h"
#include "symbolize/symbolizer.h"
#include "util/utc_time.h"

namespace fdscope {
namespace {

constexpr unsigned kMaxReports = 64;  // distinct contexts beyond the table's, too
std::atomic<unsigned> g_reports{0};
std::atomic<unsigned> g_not_reported{0};

// The contexts reported, by (creating stack, second close stack): an open
// addressing table, lock-free (a signal handler may report). What each has
// had: kCallerOnly (a report with the first close's caller), kWhole (one
// with its whole stack).
constexpr unsigned kContexts = 256;
constexpr uint8_t kCallerOnly = 1, kWhole = 2;
std::atomic<uint64_t> g_context_key[kContexts];
std::atomic<uint8_t> g_context_shown[kContexts];

// The context's slot, claimed if new; nullptr if the table is full.
std::atomic<uint8_t>* context_slot(uint32_t created, uint32_t second) {
  const uint64_t key = ((uint64_t)created << 32 | second) + 1;  // 0: free
  for (unsigned i = 0, h = (unsigned)(key * 0x9e3779b97f4a7c15ull >> 56); i < kContexts; ++i) {
    const unsigned at = (h + i) % kContexts;
    uint64_t seen = g_context_key[at].load(std::memory_order_acquire);
    if (seen == 0 && g_context_key[at].compare_exchange_strong(seen, key)) return &g_context_shown[at];
    if (seen == key) return &g_context_shown[at];
  }
  return nullptr;
}

// Whether this double close is reported (else counted): a context's first
// report, or its first with the whole first-close stack.
bool worth_reporting(const FdRecord& rec, uint32_t second, bool caller_only) {
  std::atomic<uint8_t>* shown = context_slot(rec.stack, second);
  if (!shown) return g_reports.fetch_add(1) < kMaxReports;
  const uint8_t mine = caller_only ? kCallerOnly : kWhole;
  const uint8_t before = shown->fetch_or(mine);
  return caller_only ? before == 0 : (before & kWhole) == 0;
}

// The first close's frames: its whole stack when its site asked for them
// (after an earlier double close, track/tracker.cpp), else the one frame
// of the code that called close (`caller`: an aligned copy of the
// record's, which is only 4-byte aligned).
StackView first_close_frames(const FdRecord& rec, const uintptr_t* caller) {
  if (rec.dead.close_stack) return stack_frames(rec.dead.close_stack);
  if (*caller) return {caller, 1};
  return {nullptr, 0};
}

bool caller_only(const FdRecord& rec) { return !rec.dead.close_stack && rec.dead.close_caller; }

// "fn (module) < fn (module) < ..." for the log, innermost first.
void add_stack_text(LineBuf& line, StackView st, const Symbolizer& sym) {
  if (st.depth == 0) {
    line.add("(no stack: closed by close_range/closefrom or from a signal handler)");
    return;
  }
  for (unsigned i = 0; i < st.depth && i < 6; ++i) {
    if (i) line.add(" < ");
    add_frame_text(line, st.frames[i], sym);
  }
}

void log_report(int fd, const FdRecord& rec, const uintptr_t* caller, uint32_t second,
                int second_tid, const Symbolizer& sym, uint64_t ms_since_first) {
  LogSink log;
  if (!log.enabled()) return;
  LineBuf head;
  head.add("fdscope: pid ").add_i64(sys::getpid()).add(": double close of fd ").add_i64(fd);
  head.add(" by tid ").add_i64(second_tid).add(" (first closed by tid ").add_i64(rec.dead.close_tid);
  head.add(", ").add_u64(ms_since_first).add(" ms earlier)\n");
  log.write(head);
  LineBuf again;
  again.add("fdscope:   closed again at: ");
  add_stack_text(again, stack_frames(second), sym);
  log.write(again.add("\n"));
  LineBuf first;
  first.add("fdscope:   first closed at: ");
  add_stack_text(first, first_close_frames(rec, caller), sym);
  if (caller_only(rec))
    first.add(" (the caller only; the next double close from this site shows the whole stack)");
  log.write(first.add("\n"));
  LineBuf created;
  created.add("fdscope:   created by ").add(call_name(rec.call)).add(" at: ");
  add_stack_text(created, stack_frames(rec.stack), sym);
  log.write(created.add("\n"));
}

}  // namespace

void report_double_close(int fd, const FdRecord& rec, uint32_t second, int second_tid) {
  if (!worth_reporting(rec, second, caller_only(rec))) {
    g_not_reported.fetch_add(1);
    return;
  }
  if (!try_lock_output()) return;  // a dump is being written right now
  Scratch scratch(size_t(64) << 20);
  uintptr_t addrs[3 * kMaxDepth];
  size_t n = 0;
  const uintptr_t caller = rec.dead.close_caller;
  for (StackView st :
       {stack_frames(rec.stack), first_close_frames(rec, &caller), stack_frames(second)}) {
    for (unsigned i = 0; i < st.depth; ++i) addrs[n++] = st.frames[i];
  }
  Symbolizer sym;
  sym.resolve(scratch, addrs, n);

  const uint64_t now_mono = sys::coarse_monotonic_ns();
  const uint64_t since_ms =
      now_mono > rec.mono_ns ? (now_mono - rec.mono_ns) / 1000000 : 0;
  log_report(fd, rec, &caller, second, second_tid, sym, since_ms);

  OutputTarget target;
  int out = output_open(nullptr, &target);
  const bool close_after = target.close_after;
  char* buf = scratch.alloc<char>(16 * 1024);
  if (out >= 0 && buf) {
    JsonWriter w(out, buf, 16 * 1024);
    char when[32];
    format_utc_iso8601(sys::realtime_ns(), when);
    line_start(w, "double_close", 0);
    w.key("fd").i64(fd).key("time").str(when).key("call").str(call_name(rec.call));
    w.key("created").raw("{\"tid\":").i64(rec.tid).key("frames");
    write_frames(w, stack_frames(rec.stack), sym, true);
    w.raw("}").key("first_close").raw("{\"tid\":").i64(rec.dead.close_tid);
    w.key("ms_before").u64(since_ms);
    if (caller_only(rec)) w.key("caller_only").boolean(true);
    w.key("frames");
    write_frames(w, first_close_frames(rec, &caller), sym, true);
    w.raw("}").key("second_close").raw("{\"tid\":").i64(second_tid).key("frames");
    write_frames(w, stack_frames(second), sym, true);
    w.raw("}}\n");
    w.flush();
  }
  if (out >= 0 && close_after) sys::ops.close(out);
  sym.release();
  unlock_output();
}

void double_close_after_fork() { g_not_reported.store(0); }

void double_close_summary() {
  const unsigned n = g_not_reported.load();
  if (n == 0) return;
  LogSink log;
  if (!log.enabled()) return;
  LineBuf line;
  line.add("fdscope: pid ").add_i64(sys::getpid()).add(": ").add_u64(n);
  line.add(n == 1 ? " more double close" : " more double closes");
  line.add(" from the same stacks as those reported were not reported\n");
  log.write(line);
}

}  // namespace fdscope
