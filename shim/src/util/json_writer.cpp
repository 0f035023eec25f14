// SPDX-License-Identifier: MIT
#include "util/json_writer.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "platform/sys.h"
#include "util/text.h"

namespace fdscope {

void JsonWriter::put_slow(const char* s, size_t n) {
  if (cap_ == 0) {  // no buffer (scratch memory ran out): write through
    if (error_ || n == 0) return;
    long r = sys::write_all(fd_, s, n);
    if (r < 0) error_ = (int)r;
    return;
  }
  while (n > 0) {
    if (len_ == cap_) flush();
    if (error_) return;
    size_t k = cap_ - len_ < n ? cap_ - len_ : n;
    memcpy(buf_ + len_, s, k);
    len_ += k;
    s += k;
    n -= k;
  }
}

void JsonWriter::flush() {
  if (len_ == 0 || error_) {
    len_ = 0;
    return;
  }
  long r = sys::write_all(fd_, buf_, len_);
  if (r < 0) error_ = (int)r;
  len_ = 0;
}


namespace {
// Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid.
size_t utf8_len(const unsigned char* s, size_t n) {
  unsigned char c = s[0];
  size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
  if (len == 0 || len > n) return 0;
  for (size_t i = 1; i < len; ++i)
    if ((s[i] & 0xc0) != 0x80) return 0;
  if (len == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))) return 0;
  if (len == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))) return 0;
  return len;
}
}  // namespace

// Paths are bytes, not text: a byte that is not part of valid UTF-8 is
// written as \u00XX (its Latin-1 reading), so every line stays valid JSON.
namespace {
// The bytes written as they are: printable ASCII but '"' and '\\'.
struct PlainBytes {
  bool plain[256];
  constexpr PlainBytes() : plain() {
    for (int c = 0x20; c < 0x7f; ++c) plain[c] = c != '"' && c != '\\';
  }
};
constexpr PlainBytes kPlain;
}  // namespace

void JsonWriter::escaped(const char* s, size_t n) {
  size_t run = 0;  // copy unescaped runs in one piece
  size_t i = 0;
  while (i < n) {
    // Past the plain bytes: sixteen at a time while sixteen are left.
#ifdef __SSE2__
    while (i + 16 <= n) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      const __m128i special = _mm_or_si128(
          _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),  // signed: >= 0x80 too
                       _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))),
          _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
      const unsigned hit = (unsigned)_mm_movemask_epi8(special);
      if (hit) {
        i += (size_t)__builtin_ctz(hit);
        break;
      }
      i += 16;
    }
#endif
    while (i < n && kPlain.plain[(unsigned char)s[i]]) ++i;
    if (i >= n) break;
    const unsigned char c = (unsigned char)s[i];
    if (c >= 0x80) {
      size_t len = utf8_len((const unsigned char*)s + i, n - i);
      if (len) {  // valid UTF-8: as it is
        i += len;
        continue;
      }
    }
    put(s + run, i - run);
    run = ++i;
    char esc[6] = {'\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
    if (c == '"') put("\\\"", 2);
    else if (c == '\\') put("\\\\", 2);
    else if (c == '\n') put("\\n", 2);
    else if (c == '\t') put("\\t", 2);
    else put(esc, 6);
  }
  put(s + run, n - run);
}

JsonWriter& JsonWriter::str(const char* s) { return str(s, s ? strlen(s) : 0); }
JsonWriter& JsonWriter::str(const char* s, size_t n) {
  put("\"", 1);
  if (s) escaped(s, n);
  put("\"", 1);
  return *this;
}

JsonWriter& JsonWriter::u64(uint64_t v) {
  if (cap_ - len_ >= 20) {  // straight into the buffer
    len_ += format_u64(buf_ + len_, v);
    return *this;
  }
  char tmp[20];
  put(tmp, format_u64(tmp, v));
  return *this;
}

JsonWriter& JsonWriter::i64(int64_t v) {
  if (v < 0) {
    put("-", 1);
    return u64((uint64_t)0 - (uint64_t)v);
  }
  return u64((uint64_t)v);
}

JsonWriter& JsonWriter::hex(uint64_t v) {
  char tmp[20] = {'"', '0', 'x'};
  unsigned n = 3 + format_hex(tmp + 3, v);
  tmp[n++] = '"';
  put(tmp, n);
  return *this;
}


}  // namespace fdscope
