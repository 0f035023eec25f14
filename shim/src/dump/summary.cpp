#include "dump/summary.h"

#include <fcntl.h>
#include <string.h>

#include "util/log.h"
#include "dump/log_sink.h"
#include "state/options.h"
#include "stacks/stack_store.h"
#include "platform/sys.h"
#include "util/text.h"
#include "symbolize/demangle.h"
#include "util/json_writer.h"
#include "dump/process_info.h"

namespace fdscope {
namespace {

constexpr int kTopSites = 5;

// Frames of the C library and the loader say nothing about who leaked.
bool is_runtime_library(const char* path) {
  const char* base = strrchr(path, '/');
  base = base ? base + 1 : path;
  return strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0 ||
         strncmp(base, "ld-linux", 8) == 0 || strncmp(base, "libpthread", 10) == 0;
}

void add_frame(LineBuf& line, uint32_t stack, const Symbolizer& sym) {
  StackView st = stack_frames(stack);
  for (unsigned i = 0; i < st.depth; ++i) {
    const ResolvedFrame* f = sym.find(st.frames[i]);
    if (f && f->module >= 0 && is_runtime_library(sym.modules()[f->module].path)) continue;
    add_frame_text(line, st.frames[i], sym);
    return;
  }
  line.add("(no stack)");
}

// Module frames by module and offset; a run of JavaScript frames (outside
// any module, or V8's Builtins_* code) as one marker.
uint64_t site_key(uint32_t stack, const Symbolizer& sym) {
  StackView st = stack_frames(stack);
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 0x100000001b3ull; };
  bool in_js = false;
  for (unsigned i = 0; i < st.depth; ++i) {
    const ResolvedFrame* f = sym.find(st.frames[i]);
    bool js = !f || f->module < 0 || (f->name && strncmp(f->name, "Builtins_", 9) == 0);
    if (js) {
      if (!in_js) mix(~0ull);
      in_js = true;
      continue;
    }
    in_js = false;
    mix((uint64_t)f->module);
    mix(f->offset);
  }
  return h;
}

}  // namespace

bool SiteTally::init(Scratch& scratch, size_t max_sites) {
  sites_ = scratch.alloc<Site>(max_sites + 1);
  cap_ = sites_ ? max_sites + 1 : 0;
  return sites_ != nullptr;
}

void SiteTally::add(uint32_t stack, const char* target, const Symbolizer& sym) {
  Site* s = nullptr;
  for (size_t i = 0; i < used_ && !s; ++i)  // the common case: a stack seen first
    if (sites_[i].stack == stack) s = &sites_[i];
  const uint64_t key = s ? s->key : site_key(stack, sym);
  for (size_t i = 0; i < used_ && !s; ++i)
    if (sites_[i].key == key) s = &sites_[i];
  if (!s) {
    if (used_ == cap_) return;
    s = &sites_[used_++];
    s->key = key;
    s->stack = stack;
  }
  ++s->count;
  // Keep the few most frequent targets (a bounded heavy-hitters count).
  int free_slot = -1, least = 0;
  for (int t = 0; t < kTargets; ++t) {
    if (s->target_count[t] == 0) {
      if (free_slot < 0) free_slot = t;
      continue;
    }
    if (strncmp(s->target[t], target, kTargetLen - 1) == 0) {
      ++s->target_count[t];
      return;
    }
    if (s->target_count[t] < s->target_count[least]) least = t;
  }
  int slot = free_slot >= 0 ? free_slot : least;
  if (free_slot < 0 && --s->target_count[least] > 0) return;
  strncpy(s->target[slot], target, kTargetLen - 1);
  s->target_count[slot] = 1;
}

void SiteTally::write_log(const Facts& f, const Symbolizer& sym) const {
  LineBuf head;
  head.add("fdscope: pid ").add_i64(sys::getpid()).add(" dump ").add_u64(f.seq);
  head.add(" (").add(reason_name(f.reason)).add("): ").add_u64(f.open).add(" open of limit ");
  head.add_u64(f.limit).add(", ").add_u64(f.tracked).add(" tracked");
  if (f.error) {
    head.add("; cannot write dump to ").add(f.path).add(": ").add(errno_text(-f.error));
  } else {
    head.add(" -> ").add(f.path);
  }
  head.add("\n");
  // A failure is said on stderr whatever `log` says, as one line.
  if (f.error) log_line_stderr(head.c_str());
  LogSink log;
  if (!log.enabled()) return;
  if (!f.error || !log.is_stderr()) log.write(head);

  // Top sites by count: a selection pass per rank (k is tiny).
  uint32_t shown[kTopSites] = {};
  for (int rank = 0; rank < kTopSites; ++rank) {
    const Site* best = nullptr;
    for (size_t i = 0; i < used_; ++i) {
      bool taken = false;
      for (int r = 0; r < rank; ++r) taken |= shown[r] == sites_[i].stack + 1;
      if (!taken && (!best || sites_[i].count > best->count)) best = &sites_[i];
    }
    if (!best) break;
    shown[rank] = best->stack + 1;
    int top = 0;
    for (int t = 1; t < kTargets; ++t)
      if (best->target_count[t] > best->target_count[top]) top = t;
    LineBuf line;
    line.add("fdscope: pid ").add_i64(sys::getpid()).add(":   ").add_u64(best->count).add(" x ");
    add_frame(line, best->stack, sym);
    line.add("  ").add(best->target[top]).add("\n");
    log.write(line);
  }
}

void SiteTally::write_emf(const Facts& f, const Symbolizer& sym) const {
  const Site* top = nullptr;
  for (size_t i = 0; i < used_; ++i)
    if (!top || sites_[i].count > top->count) top = &sites_[i];
  LineBuf site;
  if (top) add_frame(site, top->stack, sym);
  char buf[2048];
  JsonWriter w(2, buf, sizeof(buf));
  w.raw("{\"_aws\":{\"Timestamp\":").u64(sys::realtime_ns() / 1000000);
  w.raw(",\"CloudWatchMetrics\":[{\"Namespace\":\"fdscope\",\"Dimensions\":[[\"FunctionName\"]],"
        "\"Metrics\":[{\"Name\":\"OpenDescriptors\",\"Unit\":\"Count\"},"
        "{\"Name\":\"TrackedDescriptors\",\"Unit\":\"Count\"},"
        "{\"Name\":\"TopSiteDescriptors\",\"Unit\":\"Count\"}]}]}");
  const char* fn = lambda_function_name();
  w.key("FunctionName").str(*fn ? fn : "unknown");
  w.key("OpenDescriptors").u64(f.open).key("TrackedDescriptors").u64(f.tracked);
  w.key("TopSiteDescriptors").u64(top ? top->count : 0).key("DescriptorLimit").u64(f.limit);
  w.key("Reason").str(reason_name(f.reason)).key("TopSite").str(site.c_str());
  w.key("pid").i64(sys::getpid()).key("run").str(run_id()).key("seq").u64(f.seq);
  w.raw("}\n");
  w.flush();
}

}  // namespace fdscope
