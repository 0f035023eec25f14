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
#include <initializer_list>
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

// p at '-' or a digit. The byte at `end` is readable and no digit, '.' or
// 'e' (see parse): the scan stops there without comparing with `end`.
inline bool integer(const char*& p, const char* end, int64_t* out) {
  const bool negative = *p == '-';
  p += negative;
  const char* digits = p;
  uint64_t v = 0;
  for (unsigned d; (d = (unsigned)(unsigned char)*p - '0') < 10; ++p) v = v * 10 + d;
  const size_t n = (size_t)(p - digits);
  if (n - 1 >= 18 || (n > 1 && *digits == '0') || p > end) return false;  // none, too long, leading 0
  if (*p == '.' || (*p | 0x20) == 'e') return false;
  *out = negative ? -(int64_t)v : (int64_t)v;
  return true;
}

inline bool literal(const char*& p, const char* end, const char* word, size_t n) {
  if ((size_t)(end - p) < n || std::memcmp(p, word, n) != 0) return false;
  p += n;
  return true;
}

}  // namespace detail

// The keys a reader expects, in the order a writer usually puts them (the
// library writes its lines' fields in one order): a member whose key is the
// next one expected is taken by one 16-byte comparison instead of a scan.
// Any other key is scanned as usual (and the next one expected is the one
// after the key that last matched).
class KeyOrder {
 public:
  static constexpr size_t kMaxKey = 13;  // "key": fits in 16 bytes
  static constexpr size_t kMaxKeys = 32;
  KeyOrder(std::initializer_list<std::string_view> keys) {
    for (std::string_view k : keys) {
      if (k.size() > kMaxKey || n_ == kMaxKeys) continue;
      Key& e = keys_[n_++];
      e.key = k;
      e.len = k.size() + 3;
      e.quoted[0] = '"';
      std::memcpy(e.quoted + 1, k.data(), k.size());
      e.quoted[k.size() + 1] = '"';
      e.quoted[k.size() + 2] = ':';
      for (size_t i = 0; i < e.len; ++i) e.mask[i] = (char)0xff;
    }
  }
  size_t size() const { return n_; }
  std::string_view key(size_t i) const { return keys_[i].key; }
  size_t quoted_size(size_t i) const { return keys_[i].len; }
  // Whether p (16 bytes readable) starts with "key":  of key i. Its ':'
  // cannot match past the end of a line (a '\n' or padding comes first).
  bool at(size_t i, const char* p) const {
    const Key& e = keys_[i];
#ifdef __SSE2__
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i m = _mm_load_si128(reinterpret_cast<const __m128i*>(e.mask));
    const __m128i k = _mm_load_si128(reinterpret_cast<const __m128i*>(e.quoted));
    return _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(x, m), k)) == 0xffff;
#else
    return std::memcmp(p, e.quoted, e.len) == 0;
#endif
  }

 private:
  struct Key {
    alignas(16) char quoted[16] = {};
    alignas(16) char mask[16] = {};
    std::string_view key;
    size_t len = 0;
  };
  Key keys_[kMaxKeys];
  size_t n_ = 0;
};

// text: from the object's '{' to the end of the line; the 64 bytes after
// it readable (simdjson's padding), the first of them a '\n' or a 0 (the
// reader's line end, or the padding): scans stop there. Calls field(key, value) for
// each member in order and returns true when the whole text is one flat
// object; false (perhaps after some calls) when the line needs a full
// parser. order: the keys expected, or nullptr.
template <typename Field>
bool parse(std::string_view text, Field&& field, const KeyOrder* order = nullptr) {
  using namespace detail;
  const char* p = text.data();
  const char* end = p + text.size();
  if (p == end || *p != '{') return false;
  ++p;
  skip_space(p, end);
  if (p < end && *p == '}') {
    ++p;
  } else {
    size_t next = 0;  // the key expected next, in order
    for (;;) {
      std::string_view key;
      if (order && next < order->size() && order->at(next, p)) {
        key = order->key(next);
        p += order->quoted_size(next);
        ++next;
      } else {
        if (!at(p, end, '"') || !string(p, end, &key) || !at(p, end, ':')) return false;
        ++p;
        if (order)
          for (size_t i = 0; i < order->size(); ++i)
            if (order->key(i) == key) next = i + 1;
      }
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
