// SPDX-License-Identifier: MIT
#include "fdscope_common/targets.h"

#include <string.h>

namespace fdscope::common {
namespace {

struct Out {
  char* buf;
  size_t cap;
  size_t len = 0;
  void add(const char* s, size_t n) {
    if (!cap) return;
    if (n > cap - 1 - len) n = cap - 1 - len;
    memcpy(buf + len, s, n);
    len += n;
    buf[len] = 0;
  }
};

}  // namespace

size_t normalise_target(const char* kind, const char* call, const char* target, char* out,
                        size_t cap) {
  Out o{out, cap};
  if (cap) out[0] = 0;
  // Only a socket's target changes: the first space before " -> " ends
  // its local end.
  const char* arrow = strcmp(kind, "socket") == 0 ? strstr(target, " -> ") : nullptr;
  const char* space =
      arrow ? static_cast<const char*>(memchr(target, ' ', (size_t)(arrow - target))) : nullptr;
  if (!space) {
    o.add(target, strlen(target));
    return o.len;
  }
  if (strcmp(call, "accept") == 0 || strcmp(call, "accept4") == 0) {
    const char* peer = arrow + 4;
    const char* suffix = strchr(peer, ' ');  // " (not connected)"
    const char* colon = nullptr;
    for (const char* p = peer; *p && (!suffix || p < suffix); ++p)
      if (*p == ':') colon = p;
    o.add(target, (size_t)(arrow - target));
    o.add(" <- ", 4);
    o.add(peer, colon ? (size_t)(colon - peer) : strlen(peer));
    if (colon && suffix) o.add(suffix, strlen(suffix));
    return o.len;
  }
  o.add(target, (size_t)(space - target));
  o.add(arrow, strlen(arrow));
  return o.len;
}

}  // namespace fdscope::common
