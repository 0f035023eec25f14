// SPDX-License-Identifier: MIT
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
#include "fdscope_common/lang_frames.h"
#include "fdscope_common/runtime_frames.h"
#include "fdscope_common/site_key.h"
#include "fdscope_common/targets.h"
#include "lang/lang_frames.h"

namespace fdscope {
namespace {

constexpr int kTopSites = 5;

// A language site is named by the innermost frame of the user's own code
// (else of a dependency, else the innermost), as reports start a site:
// "openConfig (leak.js:5)".
bool add_lang_frame(LineBuf& line, uint32_t stack) {
  StackView st = stack_frames(stack);
  lang::FrameInfo best{}, f{};
  int best_owner = 3;
  for (unsigned i = 0; i < st.depth; ++i) {
    if (!lang::frame_info(lang::frame_id_of(st.frames[i]), &f)) continue;
    int owner = (int)common::lang_frame_owner(f.lang, f.file, f.file_len);
    if (owner < best_owner) best = f, best_owner = owner;
    if (owner == 0) break;
  }
  if (best_owner == 3) return false;
  const char* base = best.file;
  for (unsigned k = 0; k < best.file_len; ++k)
    if (best.file[k] == '/') base = best.file + k + 1;
  line.add(best.function_len ? best.function : "(anonymous)", best.function_len ? best.function_len : 11);
  line.add(" (").add(base, best.file_len - (base - best.file)).add(":").add_i64(best.line).add(")");
  return true;
}

void add_frame(LineBuf& line, uint32_t stack, uint32_t lang_stack, const Symbolizer& sym) {
  if (lang_stack && add_lang_frame(line, lang_stack)) return;
  StackView st = stack_frames(stack);
  for (unsigned i = 0; i < st.depth; ++i) {
    const ResolvedFrame* f = sym.find(st.frames[i]);
    if (f && f->module >= 0 && common::is_c_runtime_module(sym.modules()[f->module].path)) continue;
    add_frame_text(line, st.frames[i], sym);
    return;
  }
  line.add("(no stack)");
}

// The call-site key of the tool's reports (common/site_key.h), so that the
// summary's sites are the report's.
uint64_t site_key(uint32_t stack, uint32_t lang_stack, const Symbolizer& sym) {
  common::SiteKey k;
  StackView ls = stack_frames(lang_stack);
  if (lang_stack && lang::is_lang_stack(ls)) {
    for (unsigned i = 0; i < ls.depth; ++i) {
      lang::FrameInfo f;
      if (!lang::frame_info(lang::frame_id_of(ls.frames[i]), &f)) continue;
      f.async = lang::is_async_word(ls.frames[i]);
      k.lang_frame(f);
    }
    return k.value();
  }
  StackView st = stack_frames(stack);
  for (unsigned i = 0; i < st.depth; ++i) {
    const ResolvedFrame* f = sym.find(st.frames[i]);
    bool in_module = f && f->module >= 0;
    if (common::is_js_engine_frame(in_module, f ? f->name : nullptr)) k.js_engine_frame(nullptr);
    else if (in_module) k.native_frame(sym.modules()[f->module].path, f->offset);
    else k.native_frame("", st.frames[i]);
  }
  return k.value();
}

}  // namespace

bool SiteTally::init(Scratch& scratch, size_t max_sites) {
  sites_ = scratch.alloc<Site>(max_sites + 1);
  cap_ = sites_ ? max_sites + 1 : 0;
  size_t slots = 16;
  while (slots < 2 * cap_) slots <<= 1;
  pairs_ = scratch.alloc<PairSlot>(slots);
  keys_ = scratch.alloc<KeySlot>(slots);
  mask_ = pairs_ && keys_ ? slots - 1 : 0;
  return sites_ != nullptr;
}

namespace {
size_t slot_hash(uint64_t v) {
  v ^= v >> 33;
  v *= 0xff51afd7ed558ccdull;
  v ^= v >> 33;
  return (size_t)v;
}
}  // namespace

void SiteTally::add(uint32_t stack, uint32_t lang_stack, const char* kind, const char* call,
                    const char* raw_target, const Symbolizer& sym) {
  // Sockets by their stable end (the report's rule), so that a site's
  // connections to one database count as one target.
  char target[kTargetLen];
  common::normalise_target(kind, call, raw_target, target, sizeof(target));
  Site* s = nullptr;
  size_t pair_at = 0;
  if (mask_) {  // the common case: these stacks were seen before
    for (pair_at = slot_hash((uint64_t)stack << 32 | lang_stack) & mask_; pairs_[pair_at].site;
         pair_at = (pair_at + 1) & mask_)
      if (pairs_[pair_at].stack == stack && pairs_[pair_at].lang_stack == lang_stack) {
        s = &sites_[pairs_[pair_at].site - 1];
        break;
      }
  } else {
    for (size_t i = 0; i < used_ && !s; ++i)
      if (sites_[i].stack == stack && sites_[i].lang_stack == lang_stack) s = &sites_[i];
  }
  if (!s) {
    const uint64_t key = site_key(stack, lang_stack, sym);
    size_t key_at = 0;
    if (mask_) {
      for (key_at = slot_hash(key) & mask_; keys_[key_at].site; key_at = (key_at + 1) & mask_)
        if (keys_[key_at].key == key) {
          s = &sites_[keys_[key_at].site - 1];
          break;
        }
    } else {
      for (size_t i = 0; i < used_ && !s; ++i)
        if (sites_[i].key == key) s = &sites_[i];
    }
    if (!s) {
      if (used_ == cap_) return;
      s = &sites_[used_++];
      s->key = key;
      s->stack = stack;
      s->lang_stack = lang_stack;
      if (mask_) keys_[key_at] = KeySlot{key, (uint32_t)used_};
    }
    // Kept at most half full (more pairs than sites: the rest are looked
    // up by key).
    if (mask_ && 2 * (pairs_used_ + 1) <= mask_ + 1) {
      pairs_[pair_at] = PairSlot{stack, lang_stack, (uint32_t)(s - sites_) + 1};
      ++pairs_used_;
    }
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
  copy_bounded(s->target[slot], target);
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
  if (f.refused_error) {
    head.add(" (cannot write to ").add(f.refused).add(": ").add(errno_text(-f.refused_error));
    head.add(")");
  }
  head.add("\n");
  // A failure, or a dump not where it was asked for, is said on stderr
  // whatever `log` says, as one line.
  const bool surprising = f.error || f.refused_error;
  if (surprising) log_line_stderr(head.c_str());
  LogSink log;
  if (!log.enabled()) return;
  if (!surprising || !log.is_stderr()) log.write(head);

  // Top sites by count: a selection pass per rank (k is tiny).
  size_t shown[kTopSites] = {};  // site index + 1
  for (int rank = 0; rank < kTopSites; ++rank) {
    const Site* best = nullptr;
    for (size_t i = 0; i < used_; ++i) {
      bool taken = false;
      for (int r = 0; r < rank; ++r) taken |= shown[r] == i + 1;
      if (!taken && (!best || sites_[i].count > best->count)) best = &sites_[i];
    }
    if (!best) break;
    shown[rank] = (size_t)(best - sites_) + 1;
    int top = 0;
    for (int t = 1; t < kTargets; ++t)
      if (best->target_count[t] > best->target_count[top]) top = t;
    LineBuf line;
    line.add("fdscope: pid ").add_i64(sys::getpid()).add(":   ").add_u64(best->count).add(" x ");
    add_frame(line, best->stack, best->lang_stack, sym);
    line.add("  ").add(best->target[top]);
    // How many of the site's descriptors share it, unless all do.
    if (best->target_count[top] < best->count)
      line.add(" (").add_u64(best->target_count[top]).add(" of ").add_u64(best->count).add(")");
    line.add("\n");
    log.write(line);
  }
}

void SiteTally::write_emf(const Facts& f, const Symbolizer& sym) const {
  const Site* top = nullptr;
  for (size_t i = 0; i < used_; ++i)
    if (!top || sites_[i].count > top->count) top = &sites_[i];
  LineBuf site;
  if (top) add_frame(site, top->stack, top->lang_stack, sym);
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
