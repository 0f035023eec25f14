// SPDX-License-Identifier: MIT
// Whether the library was preloaded or loaded into a running process.
#pragma once

namespace fdscope {

// True when the module holding `own_code` comes after the C library in the
// dynamic linker's list of loaded objects: it was dlopen'ed after start-up
// (fdscope attach), not preloaded (LD_PRELOAD, /etc/ld.so.preload), which
// puts it before the program's own dependencies.
bool loaded_after_libc(const void* own_code);

}  // namespace fdscope
