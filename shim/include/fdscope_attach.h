/* SPDX-License-Identifier: MIT */
/* What `fdscope attach` and `fdscope detach` use in a running process.
 *
 * The tool loads libfdscope.so with dlopen (by ptrace, see
 * tools/fdscope/attach/), then calls fdscope_attach_start(); a library
 * loaded so (after the C library, not preloaded) tracks nothing until
 * then. fdscope_detach() undoes it. A program may also call them itself,
 * after a dlopen of the library, to start and stop tracking on its own.
 *
 * fdscope_attach_info is where the tool reads, from the process's memory
 * (/proc/PID/mem, at the symbol's address), whether the library is
 * preloaded, attached or detached, and the options it was attached with
 * (for `fdscope snapshot`). Its layout is fixed by `version`. */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FDSCOPE_ATTACH_MAGIC 0x63736466u /* "fdsc" */
#define FDSCOPE_ATTACH_INFO_VERSION 1u
#define FDSCOPE_ATTACH_OPTIONS_MAX 4096

enum fdscope_attach_state {
  FDSCOPE_STATE_LOADED = 0,    /* dlopen'ed, not attached (yet) */
  FDSCOPE_STATE_PRELOADED = 1, /* preloaded: tracking since start-up */
  FDSCOPE_STATE_ATTACHED = 2,  /* fdscope_attach_start() succeeded */
  FDSCOPE_STATE_DETACHED = 3,  /* fdscope_detach() undid it */
};

struct fdscope_attach_info {
  uint32_t magic;   /* FDSCOPE_ATTACH_MAGIC */
  uint32_t version; /* FDSCOPE_ATTACH_INFO_VERSION */
  uint32_t state;   /* enum fdscope_attach_state */
  uint32_t patched; /* entries redirected to the library's hooks */
  char options[FDSCOPE_ATTACH_OPTIONS_MAX]; /* as given to fdscope_attach_start */
};

extern struct fdscope_attach_info fdscope_attach_info;

/* Results of fdscope_attach_start and fdscope_detach. */
enum fdscope_attach_status {
  FDSCOPE_ATTACH_OK = 0,
  FDSCOPE_ATTACH_PRELOADED = 1,       /* the library was preloaded: it tracks already */
  FDSCOPE_ATTACH_ALREADY = 2,         /* attached already */
  FDSCOPE_ATTACH_NOT_ATTACHED = 3,    /* detach without an attach */
  FDSCOPE_ATTACH_OPTIONS_TOO_LONG = 4,
  FDSCOPE_ATTACH_NO_MEMORY = 5,       /* no memory for the table of patched entries */
};

/* Starts tracking with `options` (FDSCOPE_OPTIONS syntax; NULL: defaults):
 * redirects the interposed functions in every loaded module (their GOT
 * entries), and in modules loaded later. Descriptors open before are
 * reported as untracked. */
int fdscope_attach_start(const char* options);

/* Puts the entries back, forgets the records, gives up the library's
 * descriptor and its dump signal handler. The library stays loaded. */
int fdscope_detach(void);

#ifdef __cplusplus
}
#endif
