// SPDX-License-Identifier: MIT
#include "symbolize/demangle.h"

#include <stddef.h>
#include <string.h>

// From libiberty's demangle.h, which cannot be included beside <string.h> in
// C++ (its basename() declaration clashes with glibc's).
extern "C" int cplus_demangle_v3_callback(const char* mangled, int options,
                                          void (*callback)(const char*, size_t, void*),
                                          void* opaque);
constexpr int DMGL_PARAMS = 1 << 0;
constexpr int DMGL_ANSI = 1 << 1;

namespace fdscope {
namespace {

// libiberty's callback demangler allocates nothing: its working storage is
// on the stack, proportional to the name's length. Long names stay mangled
// to keep that bounded (a signal may run on a small alternate stack).
constexpr size_t kMaxMangled = 512;
constexpr size_t kMaxDemangled = 2048;

struct Sink {
  char buf[kMaxDemangled];
  size_t len;
  bool overflow;
};

void append(const char* s, size_t n, void* opaque) {
  Sink* sink = static_cast<Sink*>(opaque);
  if (sink->overflow || n > sizeof(sink->buf) - sink->len) {
    sink->overflow = true;
    return;
  }
  memcpy(sink->buf + sink->len, s, n);
  sink->len += n;
}

bool demangle(const char* name, Sink* sink) {
  if (!name || name[0] != '_' || name[1] != 'Z' || strlen(name) > kMaxMangled) return false;
  sink->len = 0;
  sink->overflow = false;
  return cplus_demangle_v3_callback(name, DMGL_PARAMS | DMGL_ANSI, append, sink) &&
         !sink->overflow;
}

}  // namespace

bool demangle_to(const char* name, JsonWriter& w) {
  Sink sink;
  if (!demangle(name, &sink)) return false;
  w.escaped(sink.buf, sink.len);
  return true;
}

const char* demangle_into(const char* name, char* out, size_t cap) {
  Sink sink;
  const char* text = name;
  size_t len = strlen(name);
  if (demangle(name, &sink)) text = sink.buf, len = sink.len;
  if (len >= cap) len = cap - 1;
  memcpy(out, text, len);
  out[len] = 0;
  return out;
}

}  // namespace fdscope
