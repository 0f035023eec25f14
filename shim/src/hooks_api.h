/* The interface between the interposers (preload.c) and the shim's core:
 * a small C API in the manner of heaptrack's libheaptrack.h. Every function
 * keeps the host's errno and is safe in a signal handler. */
#pragma once

#include <sys/socket.h>

#include "calls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The next definition of `name` after this library (glibc's), or NULL
 * while a lookup is already under way on this thread (dlsym may allocate,
 * and an allocator may open files: the caller then uses a fallback). */
void* fdscope_next(const char* name);

void fdscope_init(void);
unsigned long long fdscope_now_ns(void);

/* Descriptor fd (>= 0) was created by `call`; ignored if fd < 0. */
void fdscope_created(int fd, enum fdscope_call call, int flags);
/* As above, unless fd is already tracked as open (fdopendir adopts one). */
void fdscope_adopted(int fd, enum fdscope_call call);
/* A creating call failed: looks at errno for EMFILE/ENFILE. */
void fdscope_create_failed(enum fdscope_call call);
void fdscope_closing(int fd);
void fdscope_close_result(int fd, int rc);
/* Descriptors in [first, last] created before began_ns were closed. */
void fdscope_closed_range(unsigned first, unsigned last, unsigned long long began_ns);
void fdscope_connect(int fd, const struct sockaddr* addr, socklen_t len);
void fdscope_received(const struct msghdr* msg, enum fdscope_call call);

#ifdef __cplusplus
}
#endif
