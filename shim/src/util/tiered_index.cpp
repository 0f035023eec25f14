// SPDX-License-Identifier: MIT
#include "util/tiered_index.h"

namespace fdscope {

#ifdef FDSCOPE_TESTING
void (*tiered_index_after_choice)(unsigned tier, bool open) = nullptr;
#endif

}  // namespace fdscope
