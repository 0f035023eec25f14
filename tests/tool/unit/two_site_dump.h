// A dump with two native sites, for the tests of what is computed over
// many dumps (the html report's chart and data).
#pragma once

#include <cstdint>
#include <string>

#include "input/dump_model.h"

namespace fdscope::tool::testing {

// A dump of process `pid` at `time_ms` with `a` descriptors from stack 1
// (app+0x10), `b` from stack 2 (app+0x20) and one untracked.
inline Dump dump(int64_t pid, int64_t seq, int64_t time_ms, int a, int b, bool complete = true) {
  Dump d;
  d.pid = pid;
  d.run = "run" + std::to_string(pid);
  d.seq = seq;
  d.time_ms = time_ms;
  d.reason = complete && a + b > 0 ? "signal" : "exit";
  d.complete = complete;
  d.modules[0] = DumpModule{"/srv/app", 0x1000, "ab"};
  for (uint32_t s = 1; s <= 2; ++s) {
    DumpFrame f;
    f.module = 0;
    f.offset = 0x10 * s;
    f.function = s == 1 ? "leak_a" : "leak_b";
    d.stacks[s] = {f};
  }
  auto add = [&](uint32_t stack, int n) {
    for (int i = 0; i < n; ++i) {
      DumpFd fd;
      fd.fd = (int)d.fds.size() + 3;
      fd.kind = "file";
      fd.tracked = true;
      fd.stack = stack;
      d.fds.push_back(fd);
    }
  };
  add(1, a);
  add(2, b);
  DumpFd untracked;
  untracked.fd = 0;
  d.fds.push_back(untracked);
  return d;
}

}  // namespace fdscope::tool::testing
