// SPDX-License-Identifier: MIT
#include "util/utc_time.h"

namespace fdscope {
namespace {

void two(char* p, unsigned v) {
  p[0] = (char)('0' + v / 10 % 10);
  p[1] = (char)('0' + v % 10);
}

}  // namespace

void format_utc_iso8601(uint64_t unix_ns, char* out) {
  uint64_t ms = unix_ns / 1000000;
  uint64_t secs = ms / 1000;
  int64_t days = (int64_t)(secs / 86400);
  unsigned sod = (unsigned)(secs % 86400);
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  days += 719468;
  int64_t era = days / 146097;
  unsigned doe = (unsigned)(days - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  unsigned y = (unsigned)(yoe + era * 400 + (m <= 2));

  two(out, y / 100);
  two(out + 2, y % 100);
  out[4] = '-';
  two(out + 5, m);
  out[7] = '-';
  two(out + 8, d);
  out[10] = 'T';
  two(out + 11, sod / 3600);
  out[13] = ':';
  two(out + 14, sod / 60 % 60);
  out[16] = ':';
  two(out + 17, sod % 60);
  out[19] = '.';
  unsigned frac = (unsigned)(ms % 1000);
  out[20] = (char)('0' + frac / 100);
  two(out + 21, frac % 100);
  out[23] = 'Z';
  out[24] = 0;
}

}  // namespace fdscope
