// SPDX-License-Identifier: MIT
// dlopen, under fdscope attach only: modules loaded after the attach get
// their entries redirected too. Not an exported `dlopen`: a preloaded
// library has no need of it (the dynamic linker binds new modules to the
// preload's definitions by itself).
#pragma once

extern "C" void* fdscope_dlopen_hook(const char* file, int mode);
