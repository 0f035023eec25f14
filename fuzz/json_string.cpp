// Dump lines carry bytes the library does not choose (paths, thread names,
// symbol names, socket names): JsonWriter::str must turn any bytes into a
// JSON string that a strict parser (simdjson, the tool's) accepts, that
// reads back as valid UTF-8 unchanged and any other byte as its Latin-1
// character, on one line, whatever the writer's buffer size.
//
// Input: one byte choosing the writer's buffer size (1..64), then the bytes.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>

#include <simdjson.h>

#include "platform/sys.h"
#include "util/json_writer.h"

namespace {

constexpr int kSinkFd = 1 << 20;  // writes to it land in g_out
std::string g_out;
fdscope::sys::Ops g_real;

long sink_write(int fd, const void* buf, size_t len) {
  if (fd != kSinkFd) return g_real.write(fd, buf, len);
  g_out.append(static_cast<const char*>(buf), len);
  return (long)len;
}

void check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "fuzz_json_string: %s\n", what);
    abort();
  }
}

std::string written(const char* s, size_t n, size_t cap) {
  g_out.clear();
  std::string buf(cap, '\0');
  fdscope::JsonWriter w(kSinkFd, buf.data(), cap);
  w.raw("{\"s\":").str(s, n).raw("}");
  w.flush();
  check(w.error() == 0, "write error");
  return g_out;
}

// What the string must read back as: each valid UTF-8 sequence as it is
// (simdjson's validator is the judge, not the writer's), each other byte
// as the character of its Latin-1 reading.
std::string expected(const char* s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    size_t len = c < 0x80 ? 1 : c >= 0xc0 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3
               : c >= 0xf0 && c < 0xf8 ? 4 : 0;
    if (len && i + len <= n && simdjson::validate_utf8(s + i, len)) {
      out.append(s + i, len);
      i += len;
    } else {
      out += (char)(0xc0 | c >> 6);
      out += (char)(0x80 | (c & 0x3f));
      ++i;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_real = fdscope::sys::ops;
  fdscope::sys::ops.write = sink_write;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t cap = 1 + data[0] % 64;
  const char* s = reinterpret_cast<const char*>(data + 1);
  const size_t n = size - 1;

  std::string line = written(s, n, cap);
  check(line == written(s, n, 64 * 1024), "output depends on the buffer size");
  check(line.find('\n') == std::string::npos, "a raw newline in a JSON line");

  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  check(parser.parse(line).get(doc) == simdjson::SUCCESS, "not valid JSON");
  std::string_view back;
  check(doc["s"].get(back) == simdjson::SUCCESS, "no string field");
  check(back == expected(s, n), "read back differs from the bytes written");
  return 0;
}
