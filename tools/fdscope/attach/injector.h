// SPDX-License-Identifier: MIT
// fdscope attach and detach, without a debugger: every thread of the
// process is held (thread_stop.h); on one at a safe point (safe_point.h)
// dlopen loads libfdscope.so and fdscope_attach_start() starts tracking
// (remote_call.h); the thread's registers are put back and every thread
// let go. Whatever fails midway, the registers are restored and the
// threads let go before the failure is reported.
#pragma once

#include <cstdint>
#include <string>

namespace fdscope::tool::attach {

struct Outcome {
  bool ok = false;
  bool refused = false;   // nothing was done: a check said no
  std::string message;    // one line's text (what was done, or why not)
  double stopped_ms = 0;  // how long the process was held
  uint32_t patched = 0;   // entries redirected (attach)
};

// `library`: libfdscope.so's absolute path; `options`: FDSCOPE_OPTIONS text.
Outcome attach_process(long pid, const std::string& library, const std::string& options);
Outcome detach_process(long pid);

}  // namespace fdscope::tool::attach
