// SPDX-License-Identifier: MIT
// The JavaScript stack of the running code, as V8 itself reports it
// (v8::StackTrace::CurrentStackTrace: one frame per function activation,
// inlined functions included, the same whatever tier runs the code), turned
// into the library's interned frames, followed by an async context.
#pragma once

#include <stdint.h>

#include "env_state.h"

namespace fdscope_node {

// Frames kept per language stack, synchronous and async together; the
// oldest async frames are dropped beyond it.
constexpr unsigned kMaxFrames = 64;
// Synchronous frames taken from V8 per capture.
constexpr int kMaxSyncFrames = 32;

struct CaptureResult {
  uint32_t stack;     // the language stack id (the parent context when no frame was found)
  bool fs_open;       // the innermost user-facing frame is a node:fs function that opens
};

// Captures the stack on the isolate's own thread, outside JavaScript
// execution or inside a binding call (never from a GC callback or a V8 fast
// API call: see README.md), skipping the leading frames of the async hooks
// machinery, and appends the frames of `parent` marked as async.
// Never runs JavaScript and never touches Error.prepareStackTrace or
// Error.stackTraceLimit.
CaptureResult capture(EnvState& st, uint32_t parent);

// Appends the frames of `parent` (flagged async) to n frames and interns
// the result; `parent` alone when n == 0.
uint32_t compose(uint32_t* frames, unsigned n, uint32_t parent);

}  // namespace fdscope_node
