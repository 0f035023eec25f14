// SPDX-License-Identifier: MIT
// What the addon keeps per Node.js environment (the main thread and each
// worker thread: one isolate each), and the process-wide registry through
// which the capturer, called on whatever thread creates a descriptor, finds
// the state of that thread's isolate. Only the isolate's own thread uses a
// state, so its fields need no locking; the registry itself is lock-free
// for readers.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "frame_cache.h"

namespace fdscope_node {

// Slots of the Uint32Array the preload script shares with the addon. The
// async hooks write the current context there without a call into the addon.
enum Slot : unsigned {
  kSlotContext = 0,   // language stack id of the current execution context
  kSlotOpenToken = 1, // set by capture(): token of the pending threadpool open, or 0
  kSlotCount = 4,
};

struct EnvState {
  void* isolate = nullptr;
  uint32_t* slots = nullptr;  // backing store of the shared Uint32Array
  char preload_path[1024] = {};
  size_t preload_path_len = 0;
  bool capturing = false;     // re-entrancy guard
  FrameCache frames;
};

// Registers a state for its isolate; false when the registry is full.
bool register_env(EnvState* st);
void unregister_env(EnvState* st);
// The state of this isolate, or nullptr.
EnvState* find_env(void* isolate);

}  // namespace fdscope_node
