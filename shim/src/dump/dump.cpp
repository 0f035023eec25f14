// SPDX-License-Identifier: MIT
#include "dump/dump.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>

#include <atomic>

#include "state/fd_table.h"
#include "state/site_counts.h"
#include "util/log.h"
#include "util/text.h"
#include "state/options.h"
#include "platform/reserve_fd.h"
#include "stacks/blob_store.h"
#include "stacks/stack_store.h"
#include "platform/sys.h"
#include "state/thread_state.h"
#include "platform/own_fds.h"
#include "lang/lang_frames.h"
#include "dump/frames_json.h"
#include "dump/snapshot.h"
#include "util/json_writer.h"
#include "dump/output_file.h"
#include "dump/process_info.h"
#include "dump/published_state.h"
#include "util/scratch.h"
#include "dump/summary.h"
#include "symbolize/symbolizer.h"
#include "util/utc_time.h"

#ifndef FDSCOPE_VERSION
#define FDSCOPE_VERSION "0.0.0"
#endif

namespace fdscope {
namespace {

// 2: language stacks (fd.lang_stack, stack frames with "lang").
constexpr int kFormatVersion = 2;
std::atomic<bool> g_busy{false};
// A dump signal arrived while the output was busy (another dump, a double
// close report): the one writing answers it when done, so that a snapshot
// asked for during a threshold dump is not lost.
std::atomic<bool> g_signal_waiting{false};
std::atomic<unsigned> g_seq{0};        // every dump: its sequence number
std::atomic<unsigned> g_automatic{0};  // threshold, emfile, signal, exit: max_dumps

}  // namespace

void line_start(JsonWriter& w, const char* type, unsigned seq) { LineHead(seq).start(w, type); }

LineHead::LineHead(unsigned seq) {
  JsonWriter t(-1, text_, sizeof(text_));  // never flushed: the text fits
  t.key("pid").i64(sys::getpid()).key("seq").u64(seq).key("run").str(run_id());
  len_ = t.size();
}

void LineHead::start(JsonWriter& w, const char* type) const {
  w.raw("{\"type\":").plain(type).raw(text_, len_);
}

namespace {

void write_stack(JsonWriter& w, const LineHead& head, uint32_t id, const Symbolizer& sym) {
  head.start(w, "stack");
  w.key("id").u64(id).key("frames");
  StackView st = stack_frames(id);
  if (lang::is_lang_stack(st)) write_lang_frames(w, st);
  else write_frames(w, st, sym, false);
  w.raw("}\n");
}

// Resolves every native frame of every stack the dump references.
void resolve_frames(Scratch& scratch, const StackIdSet& stacks, Symbolizer& sym) {
  size_t nframes = 0;
  for (size_t i = 0; i < stacks.capacity(); ++i) nframes += stack_frames(stacks.slots[i]).depth;
  uintptr_t* addrs = scratch.alloc<uintptr_t>(nframes + 1);
  if (!addrs) return;
  size_t k = 0;
  for (size_t i = 0; i < stacks.capacity(); ++i) {
    StackView st = stack_frames(stacks.slots[i]);
    for (unsigned j = 0; j < st.depth; ++j)
      if (!lang::is_lang_word(st.frames[j])) addrs[k++] = st.frames[j];
  }
  sym.resolve(scratch, addrs, k);
}

struct DumpClock {
  uint64_t mono;  // the clock of the records
  uint64_t real;
};

void write_header(JsonWriter& w, const LineHead& head, Reason reason, const char* trigger,
                  const ProcessFacts& facts, const struct rlimit& lim, const Snapshot& snap,
                  DumpClock now) {
  char when[32];
  format_utc_iso8601(now.real, when);
  head.start(w, "header");
  w.key("format").u64(kFormatVersion).key("fdscope").str(FDSCOPE_VERSION);
  w.key("reason").str(reason_name(reason));
  if (trigger) w.key("trigger").str(trigger);
  w.key("ppid").i64(sys::getppid());
  write_process_fields(w, facts);
  w.key("time").str(when).key("time_ms").u64(now.real / 1000000);
  w.key("rlimit_soft").u64(lim.rlim_cur).key("rlimit_hard").u64(lim.rlim_max);
  w.key("open").u64(snap.count).key("tracked").u64(snap.tracked);
  // The most tracked descriptors open at once so far, and when.
  TotalPeak peak = total_peak();
  uint64_t ago_ms = now.mono > peak.mono_ns ? (now.mono - peak.mono_ns) / 1000000 : 0;
  w.key("tracked_peak").i64(peak.peak);
  w.key("tracked_peak_time_ms").u64(now.real / 1000000 - ago_ms);
  w.key("stacks_interned").u64(stack_count()).raw("}\n");
}

// Module lines for the modules frames point into; returns how many.
size_t write_modules(JsonWriter& w, const LineHead& head, const Symbolizer& sym) {
  size_t modules = 0;
  for (size_t i = 0; i < sym.module_count(); ++i) {
    const Module& m = sym.modules()[i];
    if (!m.used) continue;
    ++modules;
    head.start(w, "module");
    w.key("id").u64(i).key("path").str(m.path).key("base").hex(m.bias);
    w.key("build_id").str(m.build_id).raw("}\n");
  }
  return modules;
}

void write_fd(JsonWriter& w, const LineHead& head, const DumpEntry& e, DumpClock now) {
  head.start(w, "fd");
  w.key("fd").i64(e.fd).key("kind").plain(e.kind).key("target").str(e.target);
  w.key("tracked").boolean(e.tracked);
  if (e.tracked) {
    const FdRecord& r = e.rec;
    uint64_t age_ms = now.mono > r.mono_ns ? (now.mono - r.mono_ns) / 1000000 : 0;
    w.key("call").plain(call_name(r.call)).key("flags").i64(r.live.flags);
    w.key("time_ms").u64(now.real / 1000000 - age_ms).key("age_ms").u64(age_ms);
    size_t name_len;
    const unsigned char* name = blob_bytes(r.live.thread, &name_len);
    w.key("tid").i64(r.tid).key("thread").str(name ? reinterpret_cast<const char*>(name) : "",
                                              name_len);
    w.key("stack").u64(r.stack);
    if (r.live.connect_stack) w.key("connect_stack").u64(r.live.connect_stack);
    if (r.lang_stack) w.key("lang_stack").u64(r.lang_stack);
  }
  w.raw("}\n");
}

// A stack that held more descriptors at once than it holds now.
void write_peak(JsonWriter& w, const LineHead& head, const StackPeak& p, DumpClock now) {
  uint64_t ago_ms = now.mono > p.peak_mono_ns ? (now.mono - p.peak_mono_ns) / 1000000 : 0;
  head.start(w, "peak");
  w.key("stack").u64(p.stack);
  if (p.partner) w.key("native_stack").u64(p.partner);
  w.key("peak").i64(p.peak).key("open").i64(p.open).key("call").plain(call_name(p.call));
  w.key("time_ms").u64(now.real / 1000000 - ago_ms).raw("}\n");
}

void report_open_failure(const char* path, int err) {
  LineBuf line;
  line.add("fdscope: pid ").add_i64(sys::getpid()).add(": cannot write dump to ").add(path);
  line.add(": ").add(errno_text(-err)).add("\n");
  log_line_stderr(line.c_str());
}

// path receives where the dump went (or was meant to go).
int write_dump_locked(Reason reason, const char* path_override, const char* trigger,
                      unsigned seq, char (&path)[kPathMax]) {
  const DumpClock now{sys::coarse_monotonic_ns(), sys::realtime_ns()};
  struct rlimit lim{};
  sys::ops.getrlimit_nofile(&lim);
  Scratch scratch(size_t(512) << 20);
  Snapshot snap;
  if (int r = take_snapshot(scratch, lim.rlim_cur, &snap)) return r;
  ProcessFacts* facts = scratch.alloc<ProcessFacts>(1);
  if (!facts) return -ENOMEM;
  Symbolizer sym;
  resolve_frames(scratch, snap.stacks, sym);
  gather_process_facts(scratch, facts);

  OutputTarget target;
  int out = output_open(path_override, &target);
  memcpy(path, target.path, sizeof(path));
  if (out < 0) {
    report_open_failure(path, out);
    sym.release();
    return out;
  }
  const bool close_after = target.close_after;
  if (close_after) add_own_fd(out);
  // A large buffer: a dump of 100,000 descriptors is about 30 MB.
  constexpr size_t kBuf = 1 << 20;
  char* buf = scratch.alloc<char>(kBuf);
  JsonWriter w(out, buf, buf ? kBuf : 0);
  const LineHead head(seq);
  write_header(w, head, reason, trigger, *facts, lim, snap, now);
  size_t modules = write_modules(w, head, sym);
  for (size_t i = 0; i < snap.stacks.capacity(); ++i)
    if (snap.stacks.slots[i]) write_stack(w, head, snap.stacks.slots[i], sym);
  SiteTally tally;
  bool tallying = tally.init(scratch, snap.stacks.count + 1);
  for (size_t i = 0; i < snap.count; ++i) {
    const DumpEntry& e = snap.entries[i];
    if (tallying && e.tracked) tally.add(e.rec.stack, e.rec.lang_stack, e.kind, call_name(e.rec.call), e.target, sym);
    write_fd(w, head, e, now);
  }
  for (size_t i = 0; i < snap.peak_count; ++i) write_peak(w, head, snap.peaks[i], now);
  head.start(w, "end");
  w.key("fds").u64(snap.count).key("stacks").u64(snap.stacks.count).key("modules").u64(modules);
  w.key("skipped").u64(snap.skipped).raw("}\n");
  w.flush();
  if (close_after) {
    drop_own_fd(out);
    sys::ops.close(out);
  }
  int err = w.error();
  if (tallying) {
    const SiteTally::Facts f{reason, seq,  snap.count, snap.tracked,         lim.rlim_cur,
                             path,   err, target.refused, target.refused_error};
    tally.write_log(f, sym);
    if (options().metrics == Metrics::kEmf) tally.write_emf(f, sym);
  }
  sym.release();
  return err;
}

}  // namespace

const char* reason_name(Reason r) {
  switch (r) {
    case Reason::kThreshold: return "threshold";
    case Reason::kEmfile: return "emfile";
    case Reason::kSignal: return "signal";
    case Reason::kExit: return "exit";
    case Reason::kRequest: return "request";
  }
  return "request";
}

int write_dump(Reason reason, const char* path, const char* trigger) {
  ShimScope scope;
  const bool automatic = reason != Reason::kRequest;
  if (automatic && g_automatic.load() >= options().max_dumps) return -ECANCELED;
  if (!try_lock_output()) {
    if (reason != Reason::kSignal) return -EBUSY;
    g_signal_waiting.store(true, std::memory_order_release);
    // The holder may have let go between the two: then it is ours after all.
    if (!try_lock_output()) return -EBUSY;
    g_signal_waiting.store(false, std::memory_order_relaxed);
  }
  if (automatic) g_automatic.fetch_add(1);
  unsigned seq = g_seq.fetch_add(1) + 1;
  char where[kPathMax] = "";
  int r = write_dump_locked(reason, path, trigger, seq, where);
  reserve_restore();
  state_dump_written(seq, reason, where, r);
  unlock_output();
  return r;
}

bool try_lock_output() {
  bool expected = false;
  return g_busy.compare_exchange_strong(expected, true, std::memory_order_acquire);
}

void unlock_output() {
  g_busy.store(false, std::memory_order_release);
  if (g_signal_waiting.load(std::memory_order_acquire) && g_signal_waiting.exchange(false))
    write_dump(Reason::kSignal, nullptr);
}

void dump_after_fork() {
  g_seq.store(0);
  g_automatic.store(0);
  g_busy.store(false);
  g_signal_waiting.store(false);
  output_after_fork();
  process_info_after_fork();
}

}  // namespace fdscope
