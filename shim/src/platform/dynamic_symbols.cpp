// SPDX-License-Identifier: MIT
#include "platform/dynamic_symbols.h"

#include <dlfcn.h>
#include <errno.h>

// dlsym got a new default version in glibc 2.34; the original one is in
// every glibc, back to Amazon Linux 2's 2.26.
#if defined(__x86_64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.17");
#endif

namespace {

__thread bool t_resolving __attribute__((tls_model("initial-exec")));

void* lookup(void* handle, const char* name) {
  if (t_resolving) return nullptr;
  t_resolving = true;
  int saved = errno;
  void* f = dlsym(handle, name);
  errno = saved;
  t_resolving = false;
  return f;
}

}  // namespace

extern "C" {

void* fdscope_next(const char* name) { return lookup(RTLD_NEXT, name); }
void* fdscope_lookup_global(const char* name) { return lookup(RTLD_DEFAULT, name); }

}  // extern "C"
