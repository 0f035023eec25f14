// SPDX-License-Identifier: MIT
// Frame ids by code object and instruction, so that a capture re-walking
// frames it has seen costs a few loads per frame instead of a line-table
// decode, two string reads and an intern (each ~50-100 ns).
//
// Process-wide (frame ids and code objects are), direct-mapped, lock-free:
// each entry is a seqlock; a reader that meets an entry being written, or
// rewritten meanwhile, misses; a writer that finds one taken skips it. So
// it is safe from any thread and from a signal handler that interrupted a
// write (it only misses). A code object freed and another allocated at its
// address must also have the same name and file objects and first line to
// hit: then it is the same function, compiled again.
#pragma once

#include <stdint.h>

namespace fdscope::lang::py {

struct FrameKey {
  uintptr_t code, name, file;
  int32_t addr;        // byte offset of the instruction
  int32_t firstlineno;
};

// The frame id remembered for k, or 0.
uint32_t cached_frame(const FrameKey& k);
void remember_frame(const FrameKey& k, uint32_t id);

}  // namespace fdscope::lang::py
