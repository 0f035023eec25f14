// SPDX-License-Identifier: MIT
// The few V8 C++ API functions the synchronous capture needs, resolved by
// their mangled names in the running node binary.
//
// Node-API has no stack API, and including v8.h would bake V8's inline
// functions (handle layouts, internal field offsets) of one V8 version into
// the addon. Every function used here is an exported, out-of-line V8 API
// function whose signature has been the same from V8 10.2 (Node 18) to 12.4
// (Node 22). The objects passed around are Local<T> values (one pointer,
// `this` of the member functions) and HandleScope storage, whose size we
// over-allocate. If any symbol is missing (another V8 ABI), synchronous
// capture is off and the async context still works.
#pragma once

#include <stdint.h>

namespace fdscope_node {

struct V8Location {  // v8::Location: 0-based line and column, returned in a register
  int line;
  int column;
};

struct V8Api {
  void* (*try_get_current)();                      // v8::Isolate::TryGetCurrent()
  void (*handle_scope_ctor)(void* scope, void* isolate);
  void (*handle_scope_dtor)(void* scope);
  void* (*current_stack_trace)(void* isolate, int limit, int options);  // Local<StackTrace>
  int (*frame_count)(void* trace);
  void* (*get_frame)(void* trace, void* isolate, uint32_t index);      // Local<StackFrame>
  V8Location (*location)(void* frame);             // null on V8 without GetLocation
  int (*line_number)(void* frame);                 // 1-based; older V8 only
  int (*column)(void* frame);                      // 1-based; older V8 only
  int (*script_id)(void* frame);
  void* (*script_name)(void* frame);               // Local<String>, may be empty
  void* (*function_name)(void* frame);             // Local<String>, may be empty
  int (*utf8_length)(void* string, void* isolate);
  int (*write_utf8)(void* string, void* isolate, char* buf, int len, int* nchars, int options);
};

// The resolved API, or nullptr when some function is missing.
const V8Api* v8_api();

// Storage for a v8::HandleScope (three pointers in release builds of V8).
struct alignas(16) HandleScopeStorage {
  unsigned char bytes[128];
};

// v8::StackTrace::StackTraceOptions: everything, and script ids.
constexpr int kStackTraceDetailedWithScriptId = 1 | 2 | 4 | 8 | 16 | 32 | 64 | 128;
// v8::String::WriteOptions: no NUL, replace lone surrogates.
constexpr int kWriteUtf8Options = 2 | 8;

}  // namespace fdscope_node
