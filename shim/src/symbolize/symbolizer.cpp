// SPDX-License-Identifier: MIT
#include "symbolize/symbolizer.h"

#include <new>

#include "util/heap_sort.h"

namespace fdscope {

bool Symbolizer::resolve(Scratch& scratch, uintptr_t* addrs, size_t n) {
  heap_sort(addrs, n, [](uintptr_t a, uintptr_t b) { return a < b; });
  frames_ = scratch.alloc<ResolvedFrame>(n + 1);
  if (!frames_) return false;
  bool have_maps = maps_.load(scratch);
  if (have_maps) {
    modules_ = scratch.alloc<Module>(maps_.module_count + 1);
    if (!modules_) return false;
    for (size_t i = 0; i < maps_.module_count; ++i) {
      new (&modules_[i]) Module{};
      modules_[i].path = maps_.module_paths[i];
    }
  }

  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && addrs[i] == addrs[i - 1]) continue;
    ResolvedFrame& f = frames_[count_++];
    f = ResolvedFrame{addrs[i], -1, 0, nullptr, 0};
    const Mapping* m = have_maps ? maps_.find(addrs[i]) : nullptr;
    if (!m) continue;
    Module& mod = modules_[m->module];
    if (!mod.used) {
      mod.used = true;
      uint64_t vaddr;
      if (mod.image.open(mod.path) && mod.image.vaddr_of_offset(m->offset, &vaddr)) {
        mod.bias = m->start - vaddr;
        mod.image.build_id(mod.build_id, sizeof(mod.build_id));
      } else {
        mod.bias = m->start - m->offset;  // best guess for an unreadable file
      }
    }
    f.module = m->module;
    f.offset = addrs[i] - mod.bias;
  }

  // Names, one module at a time: one pass over its symbol table for all of
  // its frames. A return address points after the call: look up addr - 1.
  uint64_t* vaddrs = scratch.alloc<uint64_t>(count_ + 1);
  const char** names = scratch.alloc<const char*>(count_ + 1);
  uint64_t* offs = scratch.alloc<uint64_t>(count_ + 1);
  size_t* which = scratch.alloc<size_t>(count_ + 1);
  if (!vaddrs || !names || !offs || !which) return true;  // addresses without names
  for (size_t mi = 0; have_maps && mi < maps_.module_count; ++mi) {
    if (!modules_[mi].used || !modules_[mi].image.valid()) continue;
    size_t k = 0;
    for (size_t i = 0; i < count_; ++i)  // frames_ is sorted by address, so vaddrs is too
      if (frames_[i].module == (int)mi) vaddrs[k] = frames_[i].offset - 1, which[k++] = i;
    modules_[mi].image.symbolize(vaddrs, k, names, offs);
    for (size_t j = 0; j < k; ++j) {
      frames_[which[j]].name = names[j];
      frames_[which[j]].name_offset = names[j] ? offs[j] + 1 : 0;
    }
  }
  return true;
}

const ResolvedFrame* Symbolizer::find(uintptr_t addr) const {
  size_t lo = 0, hi = count_;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (frames_[mid].addr < addr) lo = mid + 1;
    else hi = mid;
  }
  return lo < count_ && frames_[lo].addr == addr ? &frames_[lo] : nullptr;
}

void Symbolizer::release() {
  for (size_t i = 0; modules_ && i < maps_.module_count; ++i) modules_[i].image.close();
}

}  // namespace fdscope
