// SPDX-License-Identifier: MIT
/* Looking up symbols at run time, for the interposers (the next definition
 * of a libc function) and the language runtimes' detection. C-callable. */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* The next definition of `name` after this library (glibc's), or NULL
 * while a lookup is already under way on this thread (dlsym may allocate,
 * and an allocator may open files: the caller then uses a fallback). */
void* fdscope_next(const char* name);

/* The first definition of `name` in the process (the executable, then the
 * libraries in load order), or NULL. For recognising language runtimes. */
void* fdscope_lookup_global(const char* name);

#ifdef __cplusplus
}
#endif
