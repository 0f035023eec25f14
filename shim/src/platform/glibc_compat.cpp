// SPDX-License-Identifier: MIT
/* Binding to old glibc symbol versions, so that libfdscope.so loads on the
 * oldest glibc the Lambda layer targets (Amazon Linux 2: glibc 2.26) while
 * being built on a newer one. glibc 2.33/2.34 gave stat/fstat, dlsym and the
 * pthread functions new default versions; the old versions are still
 * exported (as compat symbols) by every later glibc.
 *
 * dlsym is pinned where it is called (hooks_api.cpp); the references from
 * libunwind.a are redirected at link time (--wrap) to the functions here. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform/raw_syscall.h"

extern "C" {

#if defined(__x86_64__)
#define FDSCOPE_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define FDSCOPE_GLIBC_BASE "GLIBC_2.17"
#endif

#ifdef FDSCOPE_GLIBC_BASE
// Weak, like libunwind's own references: if libpthread is not loaded on an
// old glibc, libunwind sees a single-threaded program.
extern int old_pthread_once(pthread_once_t*, void (*)(void)) __attribute__((weak));
extern int old_pthread_key_create(pthread_key_t*, void (*)(void*)) __attribute__((weak));
extern int old_pthread_setspecific(pthread_key_t, const void*) __attribute__((weak));
extern void* old_pthread_getspecific(pthread_key_t) __attribute__((weak));
__asm__(".symver old_pthread_once,pthread_once@" FDSCOPE_GLIBC_BASE);
__asm__(".symver old_pthread_key_create,pthread_key_create@" FDSCOPE_GLIBC_BASE);
__asm__(".symver old_pthread_setspecific,pthread_setspecific@" FDSCOPE_GLIBC_BASE);
__asm__(".symver old_pthread_getspecific,pthread_getspecific@" FDSCOPE_GLIBC_BASE);

int __wrap_pthread_once(pthread_once_t* once, void (*fn)(void)) {
  if (!old_pthread_once) return ENOSYS;
  return old_pthread_once(once, fn);
}

/* libunwind's one key (its per-thread trace cache) and destructor. That
 * destructor puts the cache back under the key until the last of glibc's
 * PTHREAD_DESTRUCTOR_ITERATIONS rounds, then frees it under its pool's
 * mutex. ThreadSanitizer ends a thread's state in that same last round,
 * before it (TSan's key is older), so in a TSan-built host every thread
 * that had unwound crashed at exit in that pthread_mutex_lock. The cache
 * is freed in the first round instead: libunwind's destructor is called
 * again until it stops putting the cache back (it counts its calls). A
 * later destructor of the exiting thread that captures a stack unwinds
 * without a cache (libunwind makes none for an exiting thread). */
static pthread_key_t g_unwind_key;
static void (*g_unwind_dtor)(void*);

static void free_unwind_cache_now(void* cache) {
  for (int round = 0; cache && round < 16; ++round) {
    g_unwind_dtor(cache);
    cache = old_pthread_getspecific(g_unwind_key);  // put back: not freed yet
    if (cache) old_pthread_setspecific(g_unwind_key, nullptr);
  }
}

int __wrap_pthread_key_create(pthread_key_t* key, void (*dtor)(void*)) {
  if (!old_pthread_key_create) return ENOSYS;
  if (!dtor || g_unwind_dtor || !old_pthread_getspecific || !old_pthread_setspecific)
    return old_pthread_key_create(key, dtor);
  int r = old_pthread_key_create(key, free_unwind_cache_now);
  if (r == 0) {
    g_unwind_key = *key;
    g_unwind_dtor = dtor;
  }
  return r;
}
int __wrap_pthread_setspecific(pthread_key_t key, const void* value) {
  if (!old_pthread_setspecific) return ENOSYS;
  return old_pthread_setspecific(key, value);
}
#endif

/* libunwind stats ELF files it maps: raw system calls, which have no symbol
 * version at all. */
int __wrap_stat(const char* path, struct stat* st) {
  return (int)fdscope::as_libc_result(fdscope::raw_syscall(SYS_newfstatat, AT_FDCWD, path, st, 0));
}
int __wrap_fstat(int fd, struct stat* st) {
  return (int)fdscope::as_libc_result(fdscope::raw_syscall(SYS_newfstatat, fd, "", st, AT_EMPTY_PATH));
}

}  // extern "C"
