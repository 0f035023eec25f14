// SPDX-License-Identifier: MIT
// The text of a str object (a code object's name or file), as UTF-8, read
// from its memory without the C API (which may allocate and wants the GIL).
//
// Code objects' names and files are compact strs (made by the compiler or
// unmarshalled): ASCII text inline after the PyASCIIObject header, or
// Latin-1/UCS-2/UCS-4 inline after the PyCompactUnicodeObject header, with a
// UTF-8 copy only if someone asked for one. ASCII and the cached UTF-8 are
// used as they are; other text is encoded here, into the caller's buffer.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lang/python/python_layouts.h"
#include "lang/python/python_memory.h"
#include "lang/python/python_runtime.h"

namespace fdscope::lang::py {

enum class StrRead {
  kOk,
  kNotStr,     // not a str where the layout says one is: the layout is wrong
  kUnreadable  // a str this reader does not handle (legacy, not ready)
};

// UTF-8 of code point cp into out (room for 4); lone surrogates (which
// surrogateescape leaves in undecodable file names) become U+FFFD, so the
// text is always valid UTF-8.
inline unsigned utf8_encode(uint32_t cp, char* out) {
  if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
  if (cp < 0x80) return out[0] = char(cp), 1;
  if (cp < 0x800) {
    out[0] = char(0xC0 | (cp >> 6));
    out[1] = char(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = char(0xE0 | (cp >> 12));
    out[1] = char(0x80 | ((cp >> 6) & 0x3F));
    out[2] = char(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = char(0xF0 | (cp >> 18));
  out[1] = char(0x80 | ((cp >> 12) & 0x3F));
  out[2] = char(0x80 | ((cp >> 6) & 0x3F));
  out[3] = char(0x80 | (cp & 0x3F));
  return 4;
}

// Length of the longest prefix of s[0, n) that does not end inside a UTF-8
// sequence (text cut at `cap` bytes stays valid).
inline size_t utf8_boundary(const char* s, size_t n) {
  size_t i = n;
  while (i > 0 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) --i;
  if (i == 0) return 0;
  unsigned char lead = static_cast<unsigned char>(s[i - 1]);
  size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return n - (i - 1) >= want ? n : i - 1;
}

// Reads str object `obj` as at most `cap` bytes of UTF-8: *text points into
// the object or into buf (cap bytes), *len is its length.
template <class Mem>
StrRead read_str(Mem& m, const Runtime& rt, uintptr_t obj, char* buf, size_t cap,
                 const char** text, size_t* len) {
  const Layout& l = *rt.layout;
  uintptr_t type;
  if (!plausible(obj) || !m.load(obj + kObType, &type) || type != rt.str_type)
    return StrRead::kNotStr;
  int64_t length;
  uint32_t state;
  if (!m.load(obj + kStrLength, &length) || !m.load(obj + kStrState, &state) || length < 0)
    return StrRead::kNotStr;
  bool compact = (state >> kStateCompactShift) & 1, ascii = (state >> kStateAsciiShift) & 1;
  unsigned kind = (state >> kStateKindShift) & 7;
  if (!compact || (l.state_ready_shift != kNone && !((state >> l.state_ready_shift) & 1)))
    return StrRead::kUnreadable;
  if (ascii) {
    size_t n = static_cast<uint64_t>(length) < cap ? size_t(length) : cap;
    *text = m.bytes(obj + l.ascii_size, n, buf);
    *len = n;
    return *text ? StrRead::kOk : StrRead::kNotStr;
  }
  uintptr_t utf8;
  if (!m.load(obj + l.compact_utf8, &utf8)) return StrRead::kNotStr;
  if (utf8) {
    int64_t ulen;
    if (!m.load(obj + l.compact_utf8_length, &ulen) || ulen < 0) return StrRead::kNotStr;
    size_t n = static_cast<uint64_t>(ulen) < cap ? size_t(ulen) : cap;
    const char* s = m.bytes(utf8, n, buf);
    if (!s) return StrRead::kNotStr;
    *text = s;
    *len = n < size_t(ulen) ? utf8_boundary(s, n) : n;
    return StrRead::kOk;
  }
  if (kind != 1 && kind != 2 && kind != 4) return StrRead::kUnreadable;
  uintptr_t data = obj + l.compact_size;
  size_t out = 0;
  for (int64_t i = 0; i < length; ++i) {
    uint32_t cp;
    bool ok;
    if (kind == 1) {
      uint8_t c;
      ok = m.load(data + i, &c), cp = c;
    } else if (kind == 2) {
      uint16_t c;
      ok = m.load(data + 2 * i, &c), cp = c;
    } else {
      ok = m.load(data + 4 * i, &cp);
    }
    if (!ok) return StrRead::kNotStr;
    char enc[4];
    unsigned k = utf8_encode(cp, enc);
    if (out + k > cap) break;
    for (unsigned j = 0; j < k; ++j) buf[out++] = enc[j];
  }
  *text = buf;
  *len = out;
  return StrRead::kOk;
}

}  // namespace fdscope::lang::py
