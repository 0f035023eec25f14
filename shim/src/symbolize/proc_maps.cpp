// SPDX-License-Identifier: MIT
#include "symbolize/proc_maps.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "platform/reserve_fd.h"
#include "platform/sys.h"

namespace fdscope {
namespace {

uint64_t parse_hex(const char*& p, const char* end) {
  uint64_t v = 0;
  for (; p < end; ++p) {
    char c = *p;
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) break;
    v = v << 4 | (uint64_t)d;
  }
  return v;
}

void skip_field(const char*& p, const char* end) {
  while (p < end && *p != ' ') ++p;
  while (p < end && *p == ' ') ++p;
}

}  // namespace

bool ProcMaps::load(Scratch& scratch) {
  constexpr size_t kMaxText = 16u << 20;
  char* text = scratch.alloc<char>(kMaxText);
  if (!text) return false;
  long fd = open_with_reserve(
      [] { return sys::ops.openat(AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC, 0); });
  if (fd < 0) return false;
  size_t len = 0;
  for (;;) {
    long n = sys::ops.read((int)fd, text + len, kMaxText - 1 - len);
    if (n == -EINTR) continue;
    if (n <= 0) break;
    len += (size_t)n;
    if (len >= kMaxText - 1) break;
  }
  sys::ops.close((int)fd);
  text[len] = 0;

  size_t lines = 0;
  for (size_t i = 0; i < len; ++i) lines += text[i] == '\n';
  maps = scratch.alloc<Mapping>(lines + 1);
  module_paths = scratch.alloc<const char*>(lines + 1);
  if (!maps || !module_paths) return false;

  const char* p = text;
  const char* end = text + len;
  while (p < end) {
    char* eol = const_cast<char*>(static_cast<const char*>(memchr(p, '\n', (size_t)(end - p))));
    if (!eol) eol = const_cast<char*>(end);
    *eol = 0;
    Mapping m{};
    m.start = parse_hex(p, eol);
    if (p < eol && *p == '-') ++p;
    m.end = parse_hex(p, eol);
    skip_field(p, eol);  // to perms
    skip_field(p, eol);  // to offset
    m.offset = parse_hex(p, eol);
    skip_field(p, eol);  // to dev
    skip_field(p, eol);  // to inode
    skip_field(p, eol);  // to path
    if (p < eol && *p == '/') {
      m.path = p;
      m.module = -1;
      for (size_t i = 0; i < module_count; ++i)
        if (strcmp(module_paths[i], p) == 0) m.module = (int)i;
      if (m.module < 0) {
        m.module = (int)module_count;
        module_paths[module_count++] = p;
      }
      maps[count++] = m;
    }
    p = eol + 1;
  }
  return true;
}

const Mapping* ProcMaps::find(uintptr_t addr) const {
  size_t lo = 0, hi = count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (maps[mid].end <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo < count && maps[lo].start <= addr ? &maps[lo] : nullptr;
}

}  // namespace fdscope
