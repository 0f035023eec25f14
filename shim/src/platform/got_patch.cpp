// SPDX-License-Identifier: MIT
#include "platform/got_patch.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <atomic>

#include "platform/elf_dynamic.h"
#include "platform/sys.h"

// dlsym got a new default version in glibc 2.34 (see dynamic_symbols.cpp).
#if defined(__x86_64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.17");
#endif

namespace fdscope {
namespace {

#if defined(__x86_64__)
constexpr uint32_t kJumpSlot = R_X86_64_JUMP_SLOT, kGlobDat = R_X86_64_GLOB_DAT;
#elif defined(__aarch64__)
constexpr uint32_t kJumpSlot = R_AARCH64_JUMP_SLOT, kGlobDat = R_AARCH64_GLOB_DAT;
#endif

constexpr size_t kMaxHooks = 512;
constexpr size_t kNameSlots = 2048;  // power of two, > 2 * kMaxHooks
constexpr size_t kMaxLibc = 8;

struct Hook {
  const char* name;
  uintptr_t hook;
  uintptr_t binds_to;  // where the name binds by default (for lazy entries)
};

struct Record {
  uintptr_t slot;  // 0: empty
  uintptr_t old;
  uint32_t hook;
};

struct Range {
  uintptr_t lo, hi;
};

Hook g_hooks[kMaxHooks];
size_t g_nhooks = 0;
uint16_t g_names[kNameSlots];  // hook index + 1, by name hash
Range g_own{0, 0};

// Redirected entries, by slot address (open addressing, at most half full).
Record* g_records = nullptr;
size_t g_cap = 0, g_count = 0;

// Modules patched already (their load bias and dynamic section), and the
// dynamic linker's unload count when they were.
struct Seen {
  uintptr_t base;
  const void* phdr;
};
Seen* g_seen = nullptr;
size_t g_seen_cap = 0, g_seen_count = 0;
unsigned long long g_subs = ~0ull;

std::atomic<bool> g_lock{false};
struct Lock {
  Lock() {
    while (g_lock.exchange(true, std::memory_order_acquire)) sys::yield();
  }
  ~Lock() { g_lock.store(false, std::memory_order_release); }
};

uint32_t hash(const char* s) {
  uint32_t h = 2166136261u;
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

int find_hook(const char* name) {
  for (size_t i = hash(name) & (kNameSlots - 1);; i = (i + 1) & (kNameSlots - 1)) {
    if (!g_names[i]) return -1;
    if (strcmp(g_hooks[g_names[i] - 1].name, name) == 0) return g_names[i] - 1;
  }
}

template <typename T>
T* map_array(size_t n) {
  return static_cast<T*>(sys::ops.map(n * sizeof(T)));
}

size_t record_index(uintptr_t slot) {
  size_t mask = g_cap - 1;
  size_t i = (size_t)((slot >> 3) * 0x9E3779B97F4A7C15ull) & mask;
  while (g_records[i].slot && g_records[i].slot != slot) i = (i + 1) & mask;
  return i;
}

// Rebuilds the table with room for `cap` records, keeping those for which
// keep(record) holds.
template <typename Keep>
bool rebuild(size_t cap, Keep keep) {
  Record* fresh = map_array<Record>(cap);
  if (!fresh) return false;
  Record* old = g_records;
  size_t old_cap = g_cap;
  g_records = fresh;
  g_cap = cap;
  g_count = 0;
  for (size_t i = 0; i < old_cap; ++i) {
    if (!old[i].slot || !keep(old[i])) continue;
    g_records[record_index(old[i].slot)] = old[i];
    ++g_count;
  }
  if (old) sys::ops.unmap(old, old_cap * sizeof(Record));
  return true;
}

bool add_record(uintptr_t slot, uintptr_t old, uint32_t hook) {
  if ((g_count + 1) * 2 > g_cap && !rebuild(g_cap ? g_cap * 2 : 4096, [](const Record&) { return true; }))
    return false;
  Record& r = g_records[record_index(slot)];
  if (!r.slot) ++g_count;
  r = Record{slot, old, hook};
  return true;
}

bool add_seen(uintptr_t base, const void* phdr) {
  if (g_seen_count == g_seen_cap) {
    size_t cap = g_seen_cap ? g_seen_cap * 2 : 512;
    Seen* fresh = map_array<Seen>(cap);
    if (!fresh) return false;
    if (g_seen) {
      memcpy(fresh, g_seen, g_seen_count * sizeof(Seen));
      sys::ops.unmap(g_seen, g_seen_cap * sizeof(Seen));
    }
    g_seen = fresh;
    g_seen_cap = cap;
  }
  g_seen[g_seen_count++] = Seen{base, phdr};
  return true;
}

bool seen(uintptr_t base, const void* phdr) {
  for (size_t i = 0; i < g_seen_count; ++i)
    if (g_seen[i].base == base && g_seen[i].phdr == phdr) return true;
  return false;
}

bool is_c_library(const char* path) {
  if (!path) return false;
  const char* base = strrchr(path, '/');
  base = base ? base + 1 : path;
  for (const char* lib : {"libc.so", "libpthread.so", "libdl.so", "librt.so"})
    if (strncmp(base, lib, strlen(lib)) == 0) return true;
  return false;
}

Range extent(const dl_phdr_info* info) {
  ElfDynamic d;
  if (read_elf_dynamic(info, &d)) return {d.lo, d.hi};
  Range r{~(uintptr_t)0, 0};
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    uintptr_t s = info->dlpi_addr + ph.p_vaddr;
    if (s < r.lo) r.lo = s;
    if (s + ph.p_memsz > r.hi) r.hi = s + ph.p_memsz;
  }
  return r;
}

// The first pass: where the C library is, and the unload count.
struct Survey {
  Range libc[kMaxLibc];
  size_t nlibc = 0;
  unsigned long long subs = 0;
  uintptr_t own_probe = 0;
  Range own{0, 0};
};

int survey_module(dl_phdr_info* info, size_t size, void* data) {
  Survey* s = static_cast<Survey*>(data);
  if (size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) s->subs = info->dlpi_subs;
  if (is_c_library(info->dlpi_name) && s->nlibc < kMaxLibc) s->libc[s->nlibc++] = extent(info);
  if (s->own_probe && module_contains(info, s->own_probe)) s->own = extent(info);
  return 0;
}

bool in_c_library(const Survey& s, uintptr_t addr) {
  for (size_t i = 0; i < s.nlibc; ++i)
    if (addr >= s.libc[i].lo && addr < s.libc[i].hi) return true;
  return false;
}

void store(uintptr_t slot, uintptr_t value) {
  __atomic_store_n(reinterpret_cast<uintptr_t*>(slot), value, __ATOMIC_RELEASE);
}

// Writes value into the slots: as they are where writable, else with the
// RELRO pages made writable for the moment. `write(i)` yields slot i's
// address and value (0 address: skip).
template <typename Each>
size_t write_slots(const dl_phdr_info* info, const ElfDynamic& d, size_t n, Each each) {
  size_t written = 0;
  bool relro_needed = false;
  for (size_t i = 0; i < n; ++i) {
    uintptr_t slot, value;
    if (!each(i, &slot, &value)) continue;
    if (writable_as_is(info, d, slot)) {
      store(slot, value);
      ++written;
    } else if (slot >= d.relro_lo && slot < d.relro_hi) {
      relro_needed = true;
    }
  }
  if (!relro_needed) return written;
  void* lo = reinterpret_cast<void*>(d.relro_lo);
  size_t len = d.relro_hi - d.relro_lo;
  if (sys::ops.protect(lo, len, PROT_READ | PROT_WRITE) != 0) return written;
  for (size_t i = 0; i < n; ++i) {
    uintptr_t slot, value;
    if (!each(i, &slot, &value) || slot < d.relro_lo || slot >= d.relro_hi) continue;
    store(slot, value);
    ++written;
  }
  sys::ops.protect(lo, len, PROT_READ);
  return written;
}

struct PatchPass {
  const Survey* survey;
  bool out_of_memory = false;
};

// One module's relocations, both tables: the candidates to redirect.
struct Candidate {
  uintptr_t slot;
  uint32_t hook;
};

int patch_module(dl_phdr_info* info, size_t, void* data) {
  PatchPass* pass = static_cast<PatchPass*>(data);
  if (pass->out_of_memory) return 1;
  ElfDynamic d;
  if (!read_elf_dynamic(info, &d)) return 0;
  if (d.lo < g_own.hi && d.hi > g_own.lo) return 0;  // the library itself
  if (seen(info->dlpi_addr, info->dlpi_phdr)) return 0;
  size_t total = d.rela_count + d.jmprel_count;
  // Pass 1 counts, pass 2 fills: no allocation per module beyond one mapping.
  auto scan = [&](auto&& take) {
    for (int table = 0; table < 2; ++table) {
      const ElfW(Rela)* r = table ? d.jmprel : d.rela;
      size_t n = table ? d.jmprel_count : d.rela_count;
      for (size_t i = 0; i < n; ++i) {
        uint32_t type = (uint32_t)ELF64_R_TYPE(r[i].r_info);
        if (type != kJumpSlot && type != kGlobDat) continue;
        size_t sym = ELF64_R_SYM(r[i].r_info);
        if (sym == 0) continue;
        int h = find_hook(dynamic_symbol_name(d, sym));
        if (h < 0) continue;
        uintptr_t slot = d.base + r[i].r_offset;
        if (slot < d.lo || slot + sizeof(uintptr_t) > d.hi) continue;
        uintptr_t old = *reinterpret_cast<const uintptr_t*>(slot);
        if (old == g_hooks[h].hook) continue;
        bool to_libc = in_c_library(*pass->survey, old) ||
                       (old >= d.lo && old < d.hi && in_c_library(*pass->survey, g_hooks[h].binds_to));
        if (to_libc) take(slot, (uint32_t)h);
      }
    }
  };
  size_t n = 0;
  if (total) scan([&](uintptr_t, uint32_t) { ++n; });
  if (n) {
    Candidate* c = map_array<Candidate>(n);
    if (!c) {
      pass->out_of_memory = true;
      return 1;
    }
    size_t k = 0;
    scan([&](uintptr_t slot, uint32_t h) {
      if (k < n) c[k++] = Candidate{slot, h};
    });
    for (size_t i = 0; i < k; ++i) {
      if (!add_record(c[i].slot, *reinterpret_cast<const uintptr_t*>(c[i].slot), c[i].hook)) {
        pass->out_of_memory = true;
        break;
      }
    }
    if (!pass->out_of_memory)
      write_slots(info, d, k, [&](size_t i, uintptr_t* slot, uintptr_t* value) {
        *slot = c[i].slot;
        *value = g_hooks[c[i].hook].hook;
        return true;
      });
    sys::ops.unmap(c, n * sizeof(Candidate));
    if (pass->out_of_memory) return 1;
  }
  if (!add_seen(info->dlpi_addr, info->dlpi_phdr)) {
    pass->out_of_memory = true;
    return 1;
  }
  return 0;
}

// Records of modules no longer loaded are dropped (their addresses may be
// reused by the next module).
struct Live {
  Range mods[4096];
  size_t n = 0;
  bool complete = true;
};

int live_module(dl_phdr_info* info, size_t, void* data) {
  Live* l = static_cast<Live*>(data);
  if (l->n == sizeof(l->mods) / sizeof(l->mods[0])) {
    l->complete = false;
    return 1;
  }
  l->mods[l->n++] = extent(info);
  return 0;
}

int restore_module(dl_phdr_info* info, size_t, void* data) {
  long* restored = static_cast<long*>(data);
  ElfDynamic d;
  if (!read_elf_dynamic(info, &d) || !g_records) return 0;
  if (d.lo < g_own.hi && d.hi > g_own.lo) return 0;
  *restored += (long)write_slots(info, d, g_cap, [&](size_t i, uintptr_t* slot, uintptr_t* value) {
    const Record& r = g_records[i];
    if (!r.slot || r.slot < d.lo || r.slot >= d.hi) return false;
    if (*reinterpret_cast<const uintptr_t*>(r.slot) != g_hooks[r.hook].hook) return false;
    *slot = r.slot;
    *value = r.old;
    return true;
  });
  return 0;
}

}  // namespace

bool got_hooks_set(const GotHook* hooks, size_t n, const void* own_code) {
  Lock lock;
  if (n > kMaxHooks) return false;
  memset(g_names, 0, sizeof(g_names));
  g_nhooks = 0;
  for (size_t i = 0; i < n; ++i) {
    g_hooks[g_nhooks] = Hook{hooks[i].name, reinterpret_cast<uintptr_t>(hooks[i].hook),
                             reinterpret_cast<uintptr_t>(dlsym(RTLD_DEFAULT, hooks[i].name))};
    size_t j = hash(hooks[i].name) & (kNameSlots - 1);
    while (g_names[j]) j = (j + 1) & (kNameSlots - 1);
    g_names[j] = (uint16_t)(++g_nhooks);
  }
  Survey s;
  s.own_probe = reinterpret_cast<uintptr_t>(own_code);
  dl_iterate_phdr(survey_module, &s);
  g_own = s.own;
  return g_own.hi > g_own.lo;
}

long got_patch_loaded() {
  Lock lock;
  Survey s;
  dl_iterate_phdr(survey_module, &s);
  if (s.subs != g_subs) {
    // A module went away since: look at every module again, and forget the
    // entries of those that are gone.
    g_seen_count = 0;
    if (g_records) {
      static Live live;
      live.n = 0;
      live.complete = true;
      dl_iterate_phdr(live_module, &live);
      if (live.complete && !rebuild(g_cap, [&](const Record& r) {
            for (size_t i = 0; i < live.n; ++i)
              if (r.slot >= live.mods[i].lo && r.slot < live.mods[i].hi) return true;
            return false;
          }))
        return -1;
    }
    g_subs = s.subs;
  }
  PatchPass pass{&s};
  dl_iterate_phdr(patch_module, &pass);
  return pass.out_of_memory ? -1 : (long)g_count;
}

long got_restore() {
  Lock lock;
  long restored = 0;
  dl_iterate_phdr(restore_module, &restored);
  if (g_records) sys::ops.unmap(g_records, g_cap * sizeof(Record));
  g_records = nullptr;
  g_cap = g_count = 0;
  g_seen_count = 0;
  g_subs = ~0ull;
  return restored;
}

long got_patched_count() {
  Lock lock;
  return (long)g_count;
}

}  // namespace fdscope
