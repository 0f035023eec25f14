// SPDX-License-Identifier: MIT
// Calling dlopen on behalf of the program, as if from the program's own
// code. glibc's dlopen looks at its return address to find the calling
// module, whose RUNPATH/RPATH it searches and whose $ORIGIN it expands; a
// hook that calls it would make every dlopen come from the library. So the
// call returns first to a `ret` in the caller's module, which returns to
// the hook: dlopen sees a return address in the caller's module.
#pragma once

namespace fdscope {

using DlopenFn = void* (*)(const char* file, int mode);

// dlopen_fn(file, mode), made so that its return address lies in the
// module of `caller` (the hook's own return address). A plain call when no
// such `ret` is found, on architectures other than x86_64, and under a CET
// shadow stack (which would refuse the detour).
void* dlopen_from(DlopenFn dlopen_fn, const char* file, int mode, const void* caller);

}  // namespace fdscope
