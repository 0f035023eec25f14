// SPDX-License-Identifier: MIT
/* Language runtimes' side of libfdscope.so: how a runtime integration (the
 * Node.js addon in lang/node, the CPython frame reader inside the library)
 * hands the interpreter-level stack of the code that created a descriptor
 * to the library.
 *
 * A language frame is interned once (function, file, line, column) and
 * named by a frame id; a language stack is a list of frame ids, innermost
 * first, interned in the library's stack store and named by a stack id, the
 * same kind of id as a native stack. A frame id may carry
 * FDSCOPE_LANG_FRAME_ASYNC: it is then the first (innermost) frame of the
 * code that scheduled the work the frames before it ran in (a callback, a
 * DNS lookup, a promise continuation), as devtools' async stack traces show.
 *
 * All functions are safe to call from any thread, lock-free, allocation-free
 * after their first use, and keep errno. Look them up with dlsym: the
 * library may not be loaded. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FDSCOPE_LANG_API_VERSION 1

enum fdscope_lang { FDSCOPE_LANG_NONE = 0, FDSCOPE_LANG_JS = 1, FDSCOPE_LANG_PYTHON = 2 };

#define FDSCOPE_LANG_FRAME_ASYNC 0x80000000u

/* What kind of call is creating the descriptor the capturer is asked about. */
enum fdscope_lang_call {
  FDSCOPE_LANG_CALL_OPEN = 1,   /* open, openat, creat, fopen, opendir, mkstemp... */
  FDSCOPE_LANG_CALL_SOCKET = 2, /* socket, socketpair */
  FDSCOPE_LANG_CALL_ACCEPT = 3, /* accept, accept4 */
  FDSCOPE_LANG_CALL_OTHER = 4,  /* pipe, dup, eventfd, epoll... */
};

/* FDSCOPE_LANG_API_VERSION when language stacks are being recorded, 0 when
 * they are off (FDSCOPE_OPTIONS lang=off, or the library is not tracking). */
int fdscope_lang_enabled(void);

/* Interns a frame; returns its id (>= 1, below FDSCOPE_LANG_FRAME_ASYNC), or
 * 0 when the frame store is full. Names are UTF-8, not NUL-terminated; line
 * and column are 1-based, 0 when unknown. */
uint32_t fdscope_lang_frame(enum fdscope_lang lang, const char* function, size_t function_len,
                            const char* file, size_t file_len, int line, int column);

/* Interns a stack of n frame ids (innermost first, flags kept); returns its
 * stack id, or 0 when it could not be stored. */
uint32_t fdscope_lang_stack(const uint32_t* frames, unsigned n);

/* Copies up to max frame ids of a language stack into out; returns how many
 * it has (0 for an unknown or native stack). For composing async chains. */
unsigned fdscope_lang_stack_frames(uint32_t stack, uint32_t* out, unsigned max);

/* The process's capturer, called by the library on the creating thread for
 * every descriptor it records (inside the library: hooks called from it step
 * aside), with the call kind and the new descriptor. Returns the language
 * stack id to record with the descriptor, or 0. One per process; NULL
 * removes it. */
typedef uint32_t (*fdscope_lang_capture_fn)(enum fdscope_lang_call call, int fd);
void fdscope_lang_set_capturer(fdscope_lang_capture_fn fn);

/* Records `stack` as the language stack of descriptor fd if fd is open,
 * tracked and has none yet (a descriptor made on a worker thread, named
 * once the runtime learns which request it belonged to). */
void fdscope_lang_attribute(int fd, uint32_t stack);

/* NODE_OPTIONS as the process had it before the library added its preload
 * script (lang=auto in a Node.js process), or NULL when it was unset; the
 * preload script puts it back into process.env. */
const char* fdscope_lang_node_options(void);

#ifdef __cplusplus
}
#endif
