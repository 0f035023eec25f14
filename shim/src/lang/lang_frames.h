// SPDX-License-Identifier: MIT
// Interned language frames (JavaScript, Python): each distinct frame
// (language, function, file, line, column) is stored once and named by a
// small id, as stack_store does for whole stacks. A language stack is an
// ordinary interned stack whose words are tagged frame ids, so the dump
// and the tool need one stack namespace.
//
// Lock-free: lookups only read; a new frame is appended to an arena (one
// atomic bump) and published with a CAS into an open-addressing index, as in
// stack_store.cpp. Names are cut at kMaxName/kMaxFile bytes.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fdscope_lang.h"
#include "fdscope_common/site_key.h"
#include "stacks/stack_store.h"

namespace fdscope::lang {

constexpr unsigned kMaxName = 255;
constexpr unsigned kMaxFile = 1023;

// A stack word with this bit set is a language frame id (with its flags in
// the low 32 bits), never a return address: user-space addresses stay below
// 2^63 on every Linux architecture the library builds for.
constexpr uintptr_t kFrameTag = uintptr_t(1) << 63;
inline bool is_lang_word(uintptr_t w) { return (w & kFrameTag) != 0; }
inline uint32_t frame_id_of(uintptr_t w) { return uint32_t(w) & ~FDSCOPE_LANG_FRAME_ASYNC; }
inline bool is_async_word(uintptr_t w) { return (uint32_t(w) & FDSCOPE_LANG_FRAME_ASYNC) != 0; }

// A stored frame, in the form common/ (the call-site key, whose code a
// frame is) takes; `async` is the stack word's, not the frame's.
using FrameInfo = common::LangFrameRef;

// Returns the frame's id (>= 1, < FDSCOPE_LANG_FRAME_ASYNC), 0 when full.
uint32_t intern_frame(fdscope_lang lang, const char* function, size_t function_len,
                      const char* file, size_t file_len, int32_t line, int32_t column);

// False for an unknown id.
bool frame_info(uint32_t id, FrameInfo* out);

// A language stack from frame ids (flags kept), innermost first.
uint32_t intern_lang_stack(const uint32_t* frames, unsigned n);

// True when the interned stack `id` holds language frames.
bool is_lang_stack(StackView st);


}  // namespace fdscope::lang
