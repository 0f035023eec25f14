/* SPDX-License-Identifier: MIT */
/* Interposers: calls that open descriptors inside glibc. Their descriptors
 * go through glibc's internal calls, out of the hooks' sight; they matter
 * for the EMFILE trigger: in the Lambda story the first visible failure is
 * `getaddrinfo EMFILE`, on a libuv worker thread. */
#include "interpose/hook_support.h"

#include <grp.h>
#include <netdb.h>
#include <pwd.h>

REAL_FN(getaddrinfo)
HOOK int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints,
                     struct addrinfo** res) {
  if (!real_getaddrinfo()) return EAI_SYSTEM;
  int r = real_getaddrinfo()(node, service, hints, res);
  if (r == EAI_SYSTEM) fdscope_failed_with(FDSCOPE_CALL_getaddrinfo, errno);
  return r;
}

#define NSS_HOOK(name, T, Arg)                                  \
  REAL_FN(name)                                                 \
  HOOK T* name(Arg key) {                                       \
    if (!real_##name()) NO_REAL(NULL);                          \
    T* r = real_##name()(key);                                  \
    if (!r) fdscope_failed_with(FDSCOPE_CALL_##name, errno);    \
    return r;                                                   \
  }
NSS_HOOK(getpwnam, struct passwd, const char*)
NSS_HOOK(getpwuid, struct passwd, uid_t)
NSS_HOOK(getgrnam, struct group, const char*)
NSS_HOOK(getgrgid, struct group, gid_t)

/* The reentrant forms return the error number. */
#define NSS_R_HOOK(name, T, Arg)                                              \
  REAL_FN(name)                                                               \
  HOOK int name(Arg key, T* out, char* buf, size_t len, T** result) {         \
    if (!real_##name()) return ENOSYS;                                        \
    int r = real_##name()(key, out, buf, len, result);                        \
    if (r) fdscope_failed_with(FDSCOPE_CALL_##name, r);                       \
    return r;                                                                 \
  }
NSS_R_HOOK(getpwnam_r, struct passwd, const char*)
NSS_R_HOOK(getpwuid_r, struct passwd, uid_t)
NSS_R_HOOK(getgrnam_r, struct group, const char*)
NSS_R_HOOK(getgrgid_r, struct group, gid_t)
