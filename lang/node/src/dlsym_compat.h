// SPDX-License-Identifier: MIT
// dlsym from glibc's base symbol version, not GLIBC_2.34 (where glibc 2.34
// moved it into libc): the addon must load on Amazon Linux 2 (glibc 2.26,
// the nodejs18.x Lambda runtime) as well as on 2023.
#pragma once

#include <dlfcn.h>

#if defined(__x86_64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.17");
#endif

namespace fdscope_node {

// out = the process's first definition of `name`; false when there is none.
template <typename F>
inline bool find_symbol(F& out, const char* name) {
  out = reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
  return out != nullptr;
}

}  // namespace fdscope_node
