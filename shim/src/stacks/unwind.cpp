// SPDX-License-Identifier: MIT
#include "stacks/unwind.h"

#include <elf.h>
#include <link.h>

#include "stacks/stack_store.h"

// The linker defines this in every ELF output: the shim's own ELF header.
extern "C" const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

namespace fdscope {

uintptr_t g_shim_lo = 0, g_shim_hi = 0;

void unwind_init() {
  const ElfW(Ehdr)* eh = &__ehdr_start;
  const auto* ph = reinterpret_cast<const ElfW(Phdr)*>(reinterpret_cast<const char*>(eh) + eh->e_phoff);
  uintptr_t first = UINTPTR_MAX, last = 0;
  for (unsigned i = 0; i < eh->e_phnum; ++i) {
    if (ph[i].p_type != PT_LOAD) continue;
    if (ph[i].p_vaddr < first) first = ph[i].p_vaddr;
    if (ph[i].p_vaddr + ph[i].p_memsz > last) last = ph[i].p_vaddr + ph[i].p_memsz;
  }
  uintptr_t bias = reinterpret_cast<uintptr_t>(eh) - (first & ~uintptr_t(0xfff));
  g_shim_lo = bias + first;
  g_shim_hi = bias + last;
  // Asked for, but not what this libunwind build gives: libunwind 1.6
  // honours UNW_CACHE_PER_THREAD only when built with HAVE___THREAD, which
  // its configure never defines, so the policy stays the global cache (a
  // lock taken with signals blocked, two sigprocmask calls per frame of the
  // slow path). Building the per-thread cache in is no fix: it adds 26 KB of
  // static TLS to every thread, and pthread_create then fails with EINVAL
  // for threads with small stacks (Node.js has some). The fast path
  // (unw_backtrace's frame cache) needs neither; the slow path is taken
  // through frames without unwind tables, such as a signal that landed in
  // the vDSO.
  unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
  unw_set_cache_size(unw_local_addr_space, 1024, 0);
  void* warm[4];
  unw_backtrace(warm, 4);
}

unsigned capture_stack(uintptr_t* frames, unsigned max) {
  void* raw[kMaxDepth + kShimFramesMax];
  if (max > kMaxDepth) max = kMaxDepth;
  int got = unw_backtrace(raw, (int)(max + kShimFramesMax));
  unsigned n = got > 0 ? (unsigned)got : 0, skip = 0;
  while (skip < n && in_shim(reinterpret_cast<uintptr_t>(raw[skip]))) ++skip;
  unsigned out = 0;
  for (unsigned i = skip; i < n && out < max; ++i) frames[out++] = reinterpret_cast<uintptr_t>(raw[i]);
  return out;
}

}  // namespace fdscope
