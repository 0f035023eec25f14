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

  JsonWriter& raw(const char* s) { return raw(s, strlen(s)); }
  JsonWriter& raw(const char* s, size_t n) {
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
  JsonWriter& key(const char* k) {
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
  JsonWriter& plain(const char* s) {
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
  void put(const char* s, size_t n) {
    if (n <= cap_ - len_) {
      memcpy(buf_ + len_, s, n);
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
