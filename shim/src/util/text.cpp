// SPDX-License-Identifier: MIT
#include "util/text.h"

namespace fdscope {

bool parse_u64(const char* s, size_t n, uint64_t* out) {
  if (n == 0 || n > 19) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return true;
}

void copy_bounded(char* dst, size_t cap, const char* src) {
  size_t n = strnlen(src, cap - 1);
  memcpy(dst, src, n);
  dst[n] = 0;
}

unsigned format_u64(char* buf, uint64_t v) {
  static const char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  static const uint64_t kPow10[20] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull,
                                      1000000ull, 10000000ull, 100000000ull, 1000000000ull,
                                      10000000000ull, 100000000000ull, 1000000000000ull,
                                      10000000000000ull, 100000000000000ull,
                                      1000000000000000ull, 10000000000000000ull,
                                      100000000000000000ull, 1000000000000000000ull,
                                      10000000000000000000ull};
  // Digits from the bit length (log10(2) ~ 1233/4096), corrected by one.
  const unsigned bits = 64 - (unsigned)__builtin_clzll(v | 1);
  unsigned n = (bits * 1233) >> 12;
  n += n < 20 && v >= kPow10[n];
  if (n == 0) n = 1;
  char* p = buf + n;  // written from the end, two digits at a time
  while (v >= 100) {
    unsigned r = (unsigned)(v % 100);
    v /= 100;
    p -= 2;
    p[0] = kPairs[2 * r];
    p[1] = kPairs[2 * r + 1];
  }
  if (v >= 10) {
    p[-2] = kPairs[2 * v];
    p[-1] = kPairs[2 * v + 1];
  } else {
    p[-1] = (char)('0' + v);
  }
  return n;
}

unsigned format_hex(char* buf, uint64_t v) {
  char tmp[16];
  unsigned n = 0;
  do tmp[n++] = "0123456789abcdef"[v & 15]; while (v >>= 4);
  for (unsigned i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  return n;
}

LineBuf& LineBuf::add(const char* s, size_t n) {
  size_t room = sizeof(buf_) - 1 - len_;
  if (n > room) n = room;
  memcpy(buf_ + len_, s, n);
  len_ += n;
  buf_[len_] = 0;
  return *this;
}

LineBuf& LineBuf::add_u64(uint64_t v) {
  char tmp[20];
  return add(tmp, format_u64(tmp, v));
}

LineBuf& LineBuf::add_i64(int64_t v) {
  if (v < 0) {
    add("-", 1);
    return add_u64((uint64_t)0 - (uint64_t)v);
  }
  return add_u64((uint64_t)v);
}

}  // namespace fdscope

#include <errno.h>

namespace fdscope {

const char* errno_text(int err) {
  switch (err) {
    case ENOSPC: return "no space left on device";
    case EDQUOT: return "disk quota exceeded";
    case EACCES: return "permission denied";
    case EPERM: return "operation not permitted";
    case EROFS: return "read-only file system";
    case ENOENT: return "no such file or directory";
    case ENOTDIR: return "not a directory";
    case EISDIR: return "is a directory";
    case ELOOP: return "refusing to follow a symbolic link";
    case EEXIST: return "file exists";
    case EIO: return "input/output error";
    case EMFILE: return "too many open files";
    case ENFILE: return "too many open files in system";
    case ENOMEM: return "out of memory";
    case EFBIG: return "file too large";
    case EPIPE: return "broken pipe";
    case ENXIO: return "no reader on the FIFO";
    case ENAMETOOLONG: return "file name too long";
    default: return "I/O failure";
  }
}

}  // namespace fdscope
