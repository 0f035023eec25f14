// The tool reads dump files it did not write: log exports with a prefix on
// every line (CloudWatch's timestamp and request id), dumps cut short,
// other programs' JSON, numbers too large for any field, deep nesting.
// read_dumps must take any text, name every dump it could not finish, and
// let nothing in one line spoil a valid dump whose lines follow it.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <string>
#include <string_view>

#include "input/dump_reader.h"

namespace {

using fdscope::tool::Dump;
using fdscope::tool::ReadResult;

void check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "fuzz_dump_reader: %s\n", what);
    abort();
  }
}

// A complete dump of its own identity, read after the input.
constexpr std::string_view kSentinelRun = "fuzz-sentinel";
const std::string kSentinel =
    "{\"type\":\"header\",\"pid\":7,\"seq\":1,\"run\":\"fuzz-sentinel\",\"format\":2}\n"
    "2024-05-01T12:00:00.000Z\treq-1\tINFO\t{\"type\":\"fd\",\"pid\":7,\"seq\":1,"
    "\"run\":\"fuzz-sentinel\",\"fd\":3,\"kind\":\"file\",\"target\":\"/x\",\"tracked\":false}\n"
    "{\"type\":\"end\",\"pid\":7,\"seq\":1,\"run\":\"fuzz-sentinel\",\"fds\":1,\"stacks\":0}\n";

size_t truncation_problems(const ReadResult& r) {
  size_t n = 0;
  for (const auto& p : r.problems) {
    check(p.file == "fuzz" && !p.message.empty() && p.line >= 0, "a problem without its place");
    n += p.message.find(" is truncated (") != std::string::npos;
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ReadResult r = fdscope::tool::read_dumps_text("fuzz", text);

  // Every dump left without its end line is named, once.
  size_t incomplete = 0;
  for (const Dump& d : r.dumps) {
    check(d.file == "fuzz", "a dump without its file");
    check(d.format >= 1 && d.format <= 2, "a dump of a format the reader turns down");
    incomplete += !d.complete;
  }
  check(incomplete == truncation_problems(r), "an unfinished dump not named, or named twice");

  // Appended after a line break, a valid dump of another identity is read
  // whole, whatever came before it.
  if (text.find(kSentinelRun) != std::string_view::npos) return 0;
  std::string joined = std::string(text) + "\n" + kSentinel;
  ReadResult j = fdscope::tool::read_dumps_text("fuzz", joined);
  const Dump* sentinel = nullptr;
  for (const Dump& d : j.dumps)
    if (d.run == kSentinelRun) sentinel = &d;
  check(sentinel != nullptr, "the dump after the input was lost");
  check(sentinel->complete && sentinel->pid == 7 && sentinel->seq == 1, "its identity");
  check(sentinel->fds.size() == 1 && sentinel->fds[0].fd == 3 && sentinel->fds[0].target == "/x",
        "its descriptor");
  return 0;
}
