// SPDX-License-Identifier: MIT
// Allocation-free text helpers for code that may run in a signal handler.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace fdscope {

bool parse_u64(const char* s, size_t n, uint64_t* out);

// Formats v in decimal (or hex, without prefix) into buf; returns the length.
unsigned format_u64(char* buf, uint64_t v);
unsigned format_hex(char* buf, uint64_t v);

// strlcpy: copies what fits of src into dst[cap] (cap >= 1), which always
// ends up NUL-terminated.
void copy_bounded(char* dst, size_t cap, const char* src);
template <size_t N>
void copy_bounded(char (&dst)[N], const char* src) {
  copy_bounded(dst, N, src);
}

// A bounded, NUL-terminated line builder: text past its size is dropped.
class LineBuf {
 public:
  LineBuf& add(const char* s) { return add(s, strlen(s)); }
  LineBuf& add(const char* s, size_t n);
  LineBuf& add_u64(uint64_t v);
  LineBuf& add_i64(int64_t v);
  const char* c_str() const { return buf_; }
  size_t size() const { return len_; }

 private:
  char buf_[1024] = {};
  size_t len_ = 0;
};

}  // namespace fdscope

namespace fdscope {
// A short description of an errno value, without strerror's locale machinery.
const char* errno_text(int err);
}  // namespace fdscope
