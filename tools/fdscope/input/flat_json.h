// SPDX-License-Identifier: MIT
// The dump reader's fast path: a flat JSON object (no nested object or
// array), read in one pass without building a document. fd, peak and end
// lines, nearly all of a dump, are flat objects of short ASCII strings and
// integers; parsing each of them as a simdjson document cost several times
// more than the fields are worth.
//
// It accepts only what is certainly valid JSON and reads it as simdjson
// does: ASCII strings without escapes, integers that fit in an int64,
// true, false and null. Anything else (a nested value, an escape, a byte
// outside printable ASCII, a fraction or an exponent, an integer of more
// than 18 digits, bytes after the object) makes parse() return false, and
// the caller reads the line with simdjson, which decides.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "flat_json.h: the string scan takes the first byte as the lowest (little-endian)"
#endif

namespace fdscope::tool::flat_json {

struct Value {
  enum class Type : uint8_t { kString, kInt, kTrue, kFalse, kNull };
  Type type = Type::kNull;
  std::string_view str;  // kString
  int64_t i = 0;         // kInt
};

namespace detail {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

inline void skip_space(const char*& p, const char* end) {
  while (p < end && is_space(*p)) ++p;
}

// Whether the character c is at p, after JSON space if there is any
// (rarely: the library writes none). The byte at `end` is readable (and is
// not c: the reader's lines end at '\n' or padding).
inline bool at(const char*& p, const char* end, char c) {
  if (*p == c) return true;
  skip_space(p, end);
  return p < end && *p == c;
}

constexpr uint64_t k01 = 0x0101010101010101ull, k80 = 0x8080808080808080ull;

// p at the opening quote; on success p is past the closing one. The bytes
// after `end` must be readable (simdjson's padding): the scan reads 16
// bytes at a time, and what it finds past `end` is not taken.
inline bool string(const char*& p, const char* end, std::string_view* out) {
  const char* s = ++p;
  for (;;) {
    // The first quote, backslash, control byte (< 0x20) or non-ASCII byte
    // (>= 0x80) in the next bytes; only a quote may end the string here.
#ifdef __SSE2__
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i special = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
        _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));  // signed: bytes >= 0x80 too
    const unsigned hit = (unsigned)_mm_movemask_epi8(special);
    constexpr int kStep = 16;
    const int first = hit ? __builtin_ctz(hit) : kStep;
#else
    uint64_t x;
    std::memcpy(&x, p, 8);
    const uint64_t quote = x ^ (k01 * '"'), slash = x ^ (k01 * '\\');
    // The lowest flagged byte is the first special one (flags above it
    // may be false).
    const uint64_t hit = (((quote - k01) & ~quote) | ((slash - k01) & ~slash) |
                          ((x - k01 * 0x20) & ~x) | x) & k80;
    constexpr int kStep = 8;
    const int first = hit ? __builtin_ctzll(hit) >> 3 : kStep;
#endif
    if (first < kStep) {
      p += first;
      if (p >= end || *p != '"') return false;
      *out = std::string_view(s, (size_t)(p - s));
      ++p;
      return true;
    }
    p += kStep;
    if (p >= end) return false;
  }
}

// p at '-' or a digit.
inline bool integer(const char*& p, const char* end, int64_t* out) {
  const bool negative = *p == '-';
  p += negative;
  const char* digits = p;
  uint64_t v = 0;
  for (unsigned d; p < end && (d = (unsigned)(unsigned char)*p - '0') < 10; ++p) v = v * 10 + d;
  const size_t n = (size_t)(p - digits);
  if (n - 1 >= 18 || (n > 1 && *digits == '0')) return false;  // none, too long, leading 0
  if (p < end && (*p == '.' || (*p | 0x20) == 'e')) return false;
  *out = negative ? -(int64_t)v : (int64_t)v;
  return true;
}

inline bool literal(const char*& p, const char* end, const char* word, size_t n) {
  if ((size_t)(end - p) < n || std::memcmp(p, word, n) != 0) return false;
  p += n;
  return true;
}

}  // namespace detail

// text: from the object's '{' to the end of the line; the 64 bytes after
// it readable (simdjson's padding), the first of them not part of the
// object (the reader's '\n', or the padding). Calls field(key, value) for
// each member in order and returns true when the whole text is one flat
// object; false (perhaps after some calls) when the line needs a full
// parser.
template <typename Field>
bool parse(std::string_view text, Field&& field) {
  using namespace detail;
  const char* p = text.data();
  const char* end = p + text.size();
  if (p == end || *p != '{') return false;
  ++p;
  skip_space(p, end);
  if (p < end && *p == '}') {
    ++p;
  } else {
    for (;;) {
      std::string_view key;
      if (!at(p, end, '"') || !string(p, end, &key) || !at(p, end, ':')) return false;
      ++p;
      skip_space(p, end);
      if (p >= end) return false;
      Value v;
      const char c = *p;
      if (c == '"') {
        if (!string(p, end, &v.str)) return false;
        v.type = Value::Type::kString;
      } else if (c == '-' || (unsigned)(c - '0') < 10) {
        if (!integer(p, end, &v.i)) return false;
        v.type = Value::Type::kInt;
      } else if (literal(p, end, "true", 4)) {
        v.type = Value::Type::kTrue;
      } else if (literal(p, end, "false", 5)) {
        v.type = Value::Type::kFalse;
      } else if (literal(p, end, "null", 4)) {
        v.type = Value::Type::kNull;
      } else {
        return false;  // a nested value, or not JSON
      }
      if (*p != ',' && *p != '}') skip_space(p, end);
      if (p >= end) return false;
      field(key, v);
      if (*p == ',') {
        ++p;
        continue;
      }
      if (*p != '}') return false;
      ++p;
      break;
    }
  }
  skip_space(p, end);
  return p == end;
}

}  // namespace fdscope::tool::flat_json
