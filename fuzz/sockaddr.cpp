// format_sockaddr turns what the kernel or the program gave (getsockname,
// getpeername, the address passed to connect(): any bytes, any length) into
// a dump target. It must stay inside both buffers, NUL-terminate within
// `cap`, return the length of the text it wrote, and write what glibc's
// inet_ntop would for IP addresses.
//
// Input: one byte choosing the output room (1..256), then the address.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <memory>
#include <string>

#include "dump/fd_describe.h"

namespace {

void check(bool ok, const char* what, const std::string& got = "") {
  if (!ok) {
    fprintf(stderr, "fuzz_sockaddr: %s (got \"%s\")\n", what, got.c_str());
    abort();
  }
}

// What the text must be, from glibc; empty when it is not an IP address.
std::string expected_ip(const uint8_t* a, size_t len) {
  sa_family_t family;
  memcpy(&family, a, sizeof(family));
  char ip[INET6_ADDRSTRLEN];
  if (family == AF_INET && len >= sizeof(sockaddr_in)) {
    sockaddr_in in;
    memcpy(&in, a, sizeof(in));
    inet_ntop(AF_INET, &in.sin_addr, ip, sizeof(ip));
    return std::string(ip) + ":" + std::to_string(ntohs(in.sin_port));
  }
  if (family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6;
    memcpy(&in6, a, sizeof(in6));
    const uint8_t* b = in6.sin6_addr.s6_addr;
    // glibc writes IPv4-compatible addresses (::a.b.c.d, deprecated) dotted;
    // RFC 5952 and the formatter do not.
    static const uint8_t kZero[12] = {};
    if (memcmp(b, kZero, 12) == 0 && (b[12] | b[13] | b[14]) != 0) return "";
    if (memcmp(b, kZero, 12) == 0 && b[15] > 1) return "";
    inet_ntop(AF_INET6, &in6.sin6_addr, ip, sizeof(ip));
    return "[" + std::string(ip) + "]:" + std::to_string(ntohs(in6.sin6_port));
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t cap = 1 + data[0];
  const uint8_t* addr = data + 1;
  const size_t len = size - 1;
  // Exactly `cap` bytes on the heap: one byte too far is a report.
  std::unique_ptr<char[]> out(new char[cap]);
  memset(out.get(), 'X', cap);
  size_t n = fdscope::format_sockaddr(addr, len, out.get(), cap);

  check(n < cap, "length not below the room");
  check(out[n] == 0, "not NUL-terminated at its length");
  check(strlen(out.get()) == n, "length differs from the text's", std::string(out.get(), n));
  std::string got(out.get(), n);

  std::string want = len >= sizeof(sa_family_t) ? expected_ip(addr, len) : "";
  if (!want.empty()) check(got == want.substr(0, cap - 1), ("inet_ntop says " + want).c_str(), got);

  if (len > offsetof(sockaddr_un, sun_path)) {
    sa_family_t family;
    memcpy(&family, addr, sizeof(family));
    const char* path = reinterpret_cast<const char*>(addr) + offsetof(sockaddr_un, sun_path);
    size_t plen = len - offsetof(sockaddr_un, sun_path);
    if (family == AF_UNIX && path[0] != 0) {
      // A path: up to its NUL (or the address's end).
      check(got == std::string(path, strnlen(path, plen)).substr(0, cap - 1), "unix path", got);
    } else if (family == AF_UNIX) {
      // Abstract: '@', then the name's bytes, a NUL in it shown as '@'
      // (as /proc/net/unix and ss show them).
      std::string name = "@" + std::string(path + 1, plen - 1);
      for (char& c : name)
        if (c == 0) c = '@';
      check(got == name.substr(0, cap - 1), "abstract unix name", got);
    }
  }
  return 0;
}
