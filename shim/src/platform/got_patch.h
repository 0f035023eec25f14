// SPDX-License-Identifier: MIT
// Redirecting a running process's calls to the library's hooks without a
// preload (fdscope attach): the GOT entries through which each loaded
// module calls (R_X86_64_JUMP_SLOT) or takes the address of
// (R_X86_64_GLOB_DAT) a hooked function are pointed at the hook, and put
// back on detach. The technique of heaptrack's heaptrack_inject.cpp.
//
// Only entries that go to the C library (libc, libpthread, libdl, librt)
// are redirected, or lazy ones not bound yet that would bind there: an
// entry bound to another definition (the program's own, another
// interposer) is left alone, as a preload would come after it. Every
// original value is kept for the restore; RELRO pages are made writable
// for the write and read-only again. Serialised by a lock of its own; no
// malloc (the tables are anonymous mappings).
#pragma once

#include <stddef.h>

namespace fdscope {

struct GotHook {
  const char* name;  // must stay valid
  void* hook;
};

// Takes the hooks (up to 512) and an address in the module that is never
// patched (the library itself). Looks up, for the lazy entries, where each
// name binds (dlsym: not from a hook). False without memory.
bool got_hooks_set(const GotHook* hooks, size_t n, const void* own_code);

// Redirects the entries of every loaded module not seen yet (all of them
// the first time, and again after a module was unloaded). Returns the
// number of entries that point at hooks, or -1 without memory.
long got_patch_loaded();

// Puts back every redirected entry that is still one (of a module still
// loaded, still pointing at its hook) and forgets them all; returns how
// many were put back.
long got_restore();

// The entries redirected now.
long got_patched_count();

}  // namespace fdscope
