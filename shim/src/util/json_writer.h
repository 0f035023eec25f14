// SPDX-License-Identifier: MIT
// A JSON Lines writer for the dump: buffered, allocation-free, signal-safe.
// Remembers the first write error and stops writing after it.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace fdscope {

class JsonWriter {
 public:
  JsonWriter(int fd, char* buf, size_t cap) : fd_(fd), buf_(buf), cap_(cap) {}

  JsonWriter& raw(const char* s);
  JsonWriter& raw(const char* s, size_t n);
  JsonWriter& str(const char* s);             // quoted and escaped
  JsonWriter& str(const char* s, size_t n);
  JsonWriter& u64(uint64_t v);
  JsonWriter& i64(int64_t v);
  JsonWriter& hex(uint64_t v);                // as a string, "0x..."
  JsonWriter& boolean(bool v) { return raw(v ? "true" : "false"); }
  // ,"key":
  JsonWriter& key(const char* k);

  // Escaped string content without quotes, for callers that build a string
  // in pieces (the demangler's callback).
  void escaped(const char* s, size_t n);

  void flush();
  int error() const { return error_; }  // 0 or -errno of the first failure

 private:
  void put(const char* s, size_t n);
  int fd_;
  char* buf_;
  size_t cap_;
  size_t len_ = 0;
  int error_ = 0;
};

}  // namespace fdscope
