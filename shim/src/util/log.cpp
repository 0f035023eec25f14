// SPDX-License-Identifier: MIT
#include "util/log.h"

#include <string.h>

#include "platform/sys.h"

namespace fdscope {

void log_line_stderr(const char* line) { sys::write_all(2, line, strlen(line)); }

}  // namespace fdscope
