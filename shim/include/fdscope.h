// SPDX-License-Identifier: MIT
/* libfdscope.so's public API, for programs that want a dump on their own
 * terms (tests, a health endpoint). Look it up with dlsym(RTLD_DEFAULT,
 * "fdscope_dump") so the program still runs without the library. */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* Writes a dump with reason "request" to `path` (appending; %p and %t are
 * expanded), or to the `output` option when path is NULL. Does not count
 * towards max_dumps. Returns 0, or -1 with errno set. Async-signal-safe. */
int fdscope_dump(const char* path);

/* The library's own descriptors at this moment (the reserve kept for
 * dumps at the descriptor limit; while a dump is written, its output file;
 * libunwind's, if it holds any): up to `max` numbers into `out`; returns
 * how many there are. Dumps leave them out; tests use this to account for
 * every descriptor. */
int fdscope_own_fds(int* out, int max);

#ifdef __cplusplus
}
#endif
