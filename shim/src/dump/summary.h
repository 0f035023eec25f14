// SPDX-License-Identifier: MIT
// The short human-readable account of a dump, written to the `log` option
// (stderr by default): why, how many of the limit, where the file went, and
// the top call sites with their innermost program frame and main target.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "dump/dump.h"
#include "util/scratch.h"
#include "symbolize/symbolizer.h"

namespace fdscope {

class SiteTally {
 public:
  bool init(Scratch& scratch, size_t max_sites);
  // Counts a descriptor created at `stack` (and `lang_stack`, 0 for none),
  // grouped as the tool's reports group it (common/site_key.h): by the
  // language stack when there is one; else native stacks that differ only
  // in JavaScript-engine frames are one site.
  // The site's targets are counted as the report counts them (sockets by
  // their stable end, common/targets.h); the log names the most frequent.
  void add(uint32_t stack, uint32_t lang_stack, const char* kind, const char* call,
           const char* target, const Symbolizer& sym);

  struct Facts {
    Reason reason;
    unsigned seq;
    size_t open;
    size_t tracked;
    uint64_t limit;
    const char* path;  // where the dump went (or was to go)
    int error;         // 0, or -errno of a write failure
    const char* refused;  // the configured file, when the dump fell back
    int refused_error;    // its -errno, or 0: no fallback
  };
  void write_log(const Facts& facts, const Symbolizer& sym) const;
  // metrics=emf: one CloudWatch Embedded Metric Format line on stderr (a
  // log event of its own in CloudWatch Logs) with the counts and the top
  // call site.
  void write_emf(const Facts& facts, const Symbolizer& sym) const;

 private:
  static constexpr int kTargets = 4;
  static constexpr size_t kTargetLen = 120;
  struct Site {
    uint64_t key;     // site identity (see add)
    uint32_t stack;   // the first stacks seen for it, for naming the site
    uint32_t lang_stack;
    uint32_t count;
    uint32_t target_count[kTargets];
    char target[kTargets][kTargetLen];
  };
  Site* sites_ = nullptr;
  size_t cap_ = 0;
  size_t used_ = 0;
  // Open-addressing indexes into sites_ (index + 1; 0 empty): by a pair of
  // stacks seen, and by key. A dump has up to a site per stack and many
  // descriptors per site: a search through the sites for each was most of
  // the tally's time.
  struct PairSlot {
    uint32_t stack, lang_stack, site;
  };
  struct KeySlot {
    uint64_t key;
    uint32_t site;
  };
  PairSlot* pairs_ = nullptr;
  KeySlot* keys_ = nullptr;
  size_t mask_ = 0;  // both tables have mask_ + 1 slots
  size_t pairs_used_ = 0;
};

}  // namespace fdscope
