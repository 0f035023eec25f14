// SPDX-License-Identifier: MIT
#include "state/calls.h"

namespace fdscope {

const char* call_name(Call c) {
  static const char* const kNames[] = {
#define FDSCOPE_CALL_NAME(name) #name,
      FDSCOPE_CALLS(FDSCOPE_CALL_NAME)
#undef FDSCOPE_CALL_NAME
  };
  unsigned i = static_cast<unsigned>(c);
  return i < sizeof(kNames) / sizeof(kNames[0]) ? kNames[i] : "unknown";
}

}  // namespace fdscope
