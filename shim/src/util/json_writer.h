// SPDX-License-Identifier: MIT
// A JSON Lines writer for the dump: buffered, allocation-free, signal-safe.
// Remembers the first write error and stops writing after it.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace fdscope {

class JsonWriter {
 public:
  JsonWriter(int fd, char* buf, size_t cap) : fd_(fd), buf_(buf), cap_(cap) {}

  __attribute__((always_inline)) JsonWriter& raw(const char* s) { return raw(s, strlen(s)); }
  __attribute__((always_inline)) JsonWriter& raw(const char* s, size_t n) {
    put(s, n);
    return *this;
  }
  JsonWriter& str(const char* s);             // quoted and escaped
  JsonWriter& str(const char* s, size_t n);
  JsonWriter& u64(uint64_t v);
  JsonWriter& i64(int64_t v);
  JsonWriter& hex(uint64_t v);                // as a string, "0x..."
  JsonWriter& boolean(bool v) { return raw(v ? "true" : "false"); }
  // ,"key":
  __attribute__((always_inline)) JsonWriter& key(const char* k) {
    const size_t n = strlen(k);  // known at compile time for the usual literal
    if (n + 4 <= cap_ - len_) {
      char* p = buf_ + len_;
      p[0] = ',';
      p[1] = '"';
      memcpy(p + 2, k, n);
      p[n + 2] = '"';
      p[n + 3] = ':';
      len_ += n + 4;
      return *this;
    }
    put(",\"", 2);
    put(k, n);
    put("\":", 2);
    return *this;
  }
  // A string known to need no escaping (a name of the library's own:
  // kinds, calls, line types), quoted.
  __attribute__((always_inline)) JsonWriter& plain(const char* s) {
    put("\"", 1);
    put(s, strlen(s));
    put("\"", 1);
    return *this;
  }

  // Escaped string content without quotes, for callers that build a string
  // in pieces (the demangler's callback).
  void escaped(const char* s, size_t n);

  void flush();
  int error() const { return error_; }  // 0 or -errno of the first failure
  size_t size() const { return len_; }  // bytes buffered, not yet written

 private:
  // Every byte written goes through here: the usual case (room in the
  // buffer) inline, the rest (flushing, no buffer) out of line.
  __attribute__((always_inline)) void put(const char* s, size_t n) {
    const size_t room = cap_ - len_;
    if (n <= 16 && room >= 16) {  // most pieces: copied without a call
      char* d = buf_ + len_;
      if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
      } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
      } else if (n > 0) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
      }
      len_ += n;
      return;
    }
    if (n <= room) {
      if (n) memcpy(buf_ + len_, s, n);  // buf_ may be null (no buffer), n 0
      len_ += n;
      return;
    }
    put_slow(s, n);
  }
  void put_slow(const char* s, size_t n);
  int fd_;
  char* buf_;
  size_t cap_;
  size_t len_ = 0;
  int error_ = 0;
};

}  // namespace fdscope
