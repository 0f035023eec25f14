#include "cli/args.h"

#include <cerrno>
#include <cstdlib>

namespace fdscope::tool {

bool parse_count(const char* s, size_t* out) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (!*s || *end || errno || s[0] == '-') return false;
  *out = (size_t)v;
  return true;
}

}  // namespace fdscope::tool
