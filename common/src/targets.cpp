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
    for (size_t i = 0; i < n && len + 1 < cap; ++i) buf[len++] = s[i];
    if (cap) buf[len] = 0;
  }
};

}  // namespace

size_t normalise_target(const char* kind, const char* call, const char* target, char* out,
                        size_t cap) {
  Out o{out, cap};
  if (cap) out[0] = 0;
  const size_t n = strlen(target);
  const char* arrow = strstr(target, " -> ");
  const char* space = strchr(target, ' ');
  if (strcmp(kind, "socket") != 0 || !arrow || !space || space >= arrow) {
    o.add(target, n);
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
