/* SPDX-License-Identifier: MIT */
/* Interposers: stdio and dirent streams. glibc's own functions call
 * internal aliases (fopen does not call open), so the public entry points
 * have hooks of their own. Library functions: ENOSYS while glibc's cannot
 * be looked up. */
#include "interpose/hook_support.h"

#define FOPEN_HOOK(name)                                           \
  REAL_FN(name)                                                    \
  HOOK FILE* name(const char* path, const char* mode) {            \
    if (!real_##name()) NO_REAL(NULL);                             \
    FILE* fp = real_##name()(path, mode);                          \
    STREAM_RESULT(fp, file_fd(fp), FDSCOPE_CALL_##name);           \
    return fp;                                                     \
  }
FOPEN_HOOK(fopen)
FOPEN_HOOK(fopen64)
FOPEN_HOOK(popen)

/* freopen closes the stream's descriptor internally and opens another
 * (often with the same number). */
#define FREOPEN_HOOK(name)                                                   \
  REAL_FN(name)                                                              \
  HOOK FILE* name(const char* path, const char* mode, FILE* stream) {        \
    if (!real_##name()) NO_REAL(NULL);                                       \
    int old = stream ? file_fd(stream) : -1;                                 \
    unsigned long long began = fdscope_now_ns();                             \
    FILE* fp = real_##name()(path, mode, stream);                            \
    int fd = fp ? file_fd(fp) : -1;                                          \
    if (old >= 0 && old != fd) fdscope_closed_range(old, old, began);        \
    STREAM_RESULT(fp, fd, FDSCOPE_CALL_##name);                              \
    return fp;                                                               \
  }
FREOPEN_HOOK(freopen)
FREOPEN_HOOK(freopen64)

#define TMPFILE_HOOK(name)                                  \
  REAL_FN(name)                                             \
  HOOK FILE* name(void) {                                   \
    if (!real_##name()) NO_REAL(NULL);                      \
    FILE* fp = real_##name()();                             \
    STREAM_RESULT(fp, file_fd(fp), FDSCOPE_CALL_##name);    \
    return fp;                                              \
  }
TMPFILE_HOOK(tmpfile)
TMPFILE_HOOK(tmpfile64)

REAL_FN(opendir)
HOOK DIR* opendir(const char* path) {
  if (!real_opendir()) NO_REAL(NULL);
  DIR* d = real_opendir()(path);
  STREAM_RESULT(d, dir_fd(d), FDSCOPE_CALL_opendir);
  return d;
}

/* fdopendir takes over an existing descriptor: keep the record of the call
 * that created it, if there is one. */
REAL_FN(fdopendir)
HOOK DIR* fdopendir(int fd) {
  if (!real_fdopendir()) NO_REAL(NULL);
  DIR* d = real_fdopendir()(fd);
  if (d) fdscope_adopted(fd, FDSCOPE_CALL_fdopendir);
  return d;
}
