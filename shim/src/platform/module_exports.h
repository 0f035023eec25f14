// SPDX-License-Identifier: MIT
// The functions a loaded module exports (its dynamic symbol table): for
// the library, the list of its interposers, which are exactly its exported
// functions besides its fdscope_* API.
#pragma once

#include <stddef.h>

namespace fdscope {

// Calls each(name, address, ctx) for every function defined and exported
// by the module that contains `addr_in_module`. Returns how many, or -1
// when no module contains it.
long for_each_exported_function(const void* addr_in_module,
                                void (*each)(const char* name, void* address, void* ctx),
                                void* ctx);

}  // namespace fdscope
