// SPDX-License-Identifier: MIT
#include "fdscope_common/output_name.h"

#include <string.h>

namespace fdscope::common {
namespace {

// Bounded appends: the output stays NUL-terminated, cut at cap - 1.
struct Out {
  char* buf;
  size_t cap;
  size_t len;
  void add(const char* s, size_t n) {
    for (size_t i = 0; i < n && len + 1 < cap; ++i) buf[len++] = s[i];
    if (cap) buf[len] = 0;
  }
  void add_u64(uint64_t v) {
    char digits[20];
    size_t n = 0;
    do {
      digits[n++] = (char)('0' + v % 10);
      v /= 10;
    } while (v);
    while (n) add(&digits[--n], 1);
  }
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Matches path against tmpl from positions t and p (recursive only at %t,
// which may stand for any run of digits: templates have at most a few).
bool match_from(const char* t, const char* p, long pid) {
  while (*t) {
    if (t[0] == '%' && t[1] == 'p') {
      char digits[24];
      Out o{digits, sizeof(digits), 0};
      o.add_u64((uint64_t)pid);
      if (strncmp(p, digits, o.len) != 0) return false;
      p += o.len;
      t += 2;
    } else if (t[0] == '%' && t[1] == 't') {
      if (!is_digit(*p)) return false;
      while (is_digit(*p)) {
        ++p;
        if (match_from(t + 2, p, pid)) return true;
      }
      return false;
    } else {
      if (*t != *p) return false;
      ++t;
      ++p;
    }
  }
  if (!*p) return true;
  // NAME.N, 0 < N < kOutputAttempts
  if (*p != '.' || !is_digit(p[1]) || p[1] == '0') return false;
  long n = 0;
  for (++p; is_digit(*p); ++p) {
    n = n * 10 + (*p - '0');
    if (n >= kOutputAttempts) return false;
  }
  return !*p;
}

}  // namespace

size_t expand_output_name(const char* tmpl, long pid, uint64_t unix_seconds, char* out,
                          size_t cap) {
  Out o{out, cap, 0};
  if (cap) out[0] = 0;
  for (const char* p = tmpl; *p; ++p) {
    if (p[0] == '%' && p[1] == 'p') {
      o.add_u64((uint64_t)pid);
      ++p;
    } else if (p[0] == '%' && p[1] == 't') {
      o.add_u64(unix_seconds);
      ++p;
    } else {
      o.add(p, 1);
    }
  }
  return o.len;
}

size_t default_output_template(const char* tmpdir, char* out, size_t cap) {
  Out o{out, cap, 0};
  if (cap) out[0] = 0;
  const char* dir = tmpdir && *tmpdir ? tmpdir : "/tmp";
  o.add(dir, strlen(dir));
  o.add("/", 1);
  o.add(kDefaultOutputName, sizeof(kDefaultOutputName) - 1);
  return o.len;
}

size_t add_output_suffix(char* buf, size_t len, size_t cap, int attempt) {
  Out o{buf, cap, len};
  if (attempt <= 0) return len;
  o.add(".", 1);
  o.add_u64((uint64_t)attempt);
  return o.len;
}

bool output_name_has_time(const char* tmpl) {
  for (const char* p = tmpl; *p; ++p)
    if (p[0] == '%' && p[1] == 't') return true;
  return false;
}

bool output_name_matches(const char* tmpl, long pid, const char* path) {
  return match_from(tmpl, path, pid);
}

}  // namespace fdscope::common
