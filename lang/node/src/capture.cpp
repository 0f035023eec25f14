// SPDX-License-Identifier: MIT
#include "capture.h"

#include <string.h>

#include "lib_api.h"
#include "v8_api.h"

namespace fdscope_node {
namespace {

constexpr char kAsyncHooksScript[] = "node:internal/async_hooks";
constexpr char kFsScript[] = "node:fs";
constexpr char kFsDirScript[] = "node:internal/fs/dir";
constexpr char kFsPromisesScript[] = "node:internal/fs/promises";

struct Text {
  char buf[1024];
  size_t len = 0;
  bool is(const char* s) const { return len == strlen(s) && memcmp(buf, s, len) == 0; }
};

// Copies a V8 string as UTF-8, truncated at a character boundary.
void read_string(const V8Api& v8, void* isolate, void* str, Text& out) {
  out.len = 0;
  if (!str) return;
  int n = v8.write_utf8(str, isolate, out.buf, int(sizeof out.buf), nullptr, kWriteUtf8Options);
  out.len = n > 0 ? size_t(n) : 0;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ES modules are named by file: URLs; reports want the path, like the
// CommonJS modules beside them.
void file_url_to_path(Text& t) {
  static const char kPrefix[] = "file://";
  const size_t plen = sizeof kPrefix - 1;
  if (t.len <= plen || memcmp(t.buf, kPrefix, plen) != 0 || t.buf[plen] != '/') return;
  size_t o = 0;
  for (size_t i = plen; i < t.len; i++) {
    if (t.buf[i] == '%' && i + 2 < t.len + 0 && hex(t.buf[i + 1]) >= 0 && hex(t.buf[i + 2]) >= 0) {
      t.buf[o++] = char(hex(t.buf[i + 1]) * 16 + hex(t.buf[i + 2]));
      i += 2;
    } else {
      t.buf[o++] = t.buf[i];
    }
  }
  t.len = o;
}

uint8_t classify(const EnvState& st, const Text& script, const Text& function) {
  uint8_t flags = 0;
  if (script.is(kAsyncHooksScript) ||
      (st.preload_path_len && script.len == st.preload_path_len &&
       memcmp(script.buf, st.preload_path, script.len) == 0))
    flags |= kFrameHook;
  // The node:fs functions whose request (FSReqCallback, FSReqPromise) is
  // an open done on the threadpool. (A FileHandle's fd cannot stand in: its
  // init hook runs before its fd getter works, outside the request's
  // context.)
  if ((script.is(kFsScript) && (function.is("open") || function.is("readFile"))) ||
      (script.is(kFsDirScript) && function.is("opendir")) ||
      (script.is(kFsPromisesScript) && (function.is("open") || function.is("readFile"))))
    flags |= kFrameFsOpen;
  return flags;
}

struct FrameInfo {
  uint32_t id;
  uint8_t flags;
};

FrameInfo frame_of(EnvState& st, const V8Api& v8, const LibApi& lib, void* frame) {
  int line, column;
  if (v8.location) {
    V8Location loc = v8.location(frame);
    line = loc.line + 1;
    column = loc.column + 1;
  } else {
    line = v8.line_number(frame);
    column = v8.column(frame);
  }
  int script_id = v8.script_id(frame);
  // Frames without a script (builtins such as Array.prototype.map) share
  // position 0: they cannot be cached by position.
  const bool cacheable = script_id > 0 && line > 0;
  uint64_t key = FrameCache::key(script_id, line, column);
  if (cacheable)
    if (const CachedFrame* c = st.frames.find(key)) return FrameInfo{c->id, c->flags};
  Text script, function;
  read_string(v8, st.isolate, v8.script_name(frame), script);
  read_string(v8, st.isolate, v8.function_name(frame), function);
  file_url_to_path(script);
  uint32_t id = lib.frame(FDSCOPE_LANG_JS, function.buf, function.len, script.buf, script.len,
                          line > 0 ? line : 0, column > 0 ? column : 0);
  uint8_t flags = classify(st, script, function);
  if (cacheable && id) st.frames.put(key, id, flags);
  return FrameInfo{id, flags};
}

}  // namespace

uint32_t compose(uint32_t* frames, unsigned n, uint32_t parent) {
  const LibApi* lib = lib_api();
  if (!lib) return 0;
  if (n == 0) return parent;
  if (parent) {
    unsigned m = lib->stack_frames(parent, frames + n, kMaxFrames - n);
    if (m) frames[n] |= FDSCOPE_LANG_FRAME_ASYNC;
    n += m;
  }
  return lib->stack(frames, n);
}

CaptureResult capture(EnvState& st, uint32_t parent) {
  CaptureResult r{parent, false};
  const V8Api* v8 = v8_api();
  const LibApi* lib = lib_api();
  if (!v8 || !lib || st.capturing) return r;
  st.capturing = true;
  HandleScopeStorage scope;
  v8->handle_scope_ctor(&scope, st.isolate);
  uint32_t frames[kMaxFrames];
  unsigned n = 0;
  void* trace = v8->current_stack_trace(st.isolate, kMaxSyncFrames, kStackTraceDetailedWithScriptId);
  int count = trace ? v8->frame_count(trace) : 0;
  bool leading = true;
  for (int i = 0; i < count && n < unsigned(kMaxSyncFrames); i++) {
    void* frame = v8->get_frame(trace, st.isolate, uint32_t(i));
    if (!frame) continue;
    FrameInfo f = frame_of(st, *v8, *lib, frame);
    if (leading && (f.flags & kFrameHook)) continue;
    if (leading) r.fs_open = (f.flags & kFrameFsOpen) != 0;
    leading = false;
    if (f.id) frames[n++] = f.id;
  }
  v8->handle_scope_dtor(&scope);
  r.stack = compose(frames, n, parent);
  st.capturing = false;
  return r;
}

}  // namespace fdscope_node
