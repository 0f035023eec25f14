// Socket address text in dump targets (format_sockaddr): IPv4, IPv6 in the
// RFC 5952 canonical form (v4-mapped as ::ffff:a.b.c.d), unix paths.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "dump/fd_describe.h"

namespace fdscope {
namespace {

std::string fmt(const void* addr, size_t len, size_t cap = 256) {
  char out[256];
  memset(out, 'X', sizeof(out));
  size_t n = format_sockaddr(addr, len, out, cap);
  EXPECT_EQ(n, strlen(out));
  return std::string(out, n);
}

std::string v4(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET, ip, &a.sin_addr), 1) << ip;
  return fmt(&a, sizeof(a));
}

sockaddr_in6 make_v6(const char* ip, uint16_t port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET6, ip, &a.sin6_addr), 1) << ip;
  return a;
}

std::string v6(const char* ip, uint16_t port = 80) {
  sockaddr_in6 a = make_v6(ip, port);
  return fmt(&a, sizeof(a));
}

TEST(Sockaddr, Ipv4) {
  EXPECT_EQ(v4("127.0.0.1", 3306), "127.0.0.1:3306");
  EXPECT_EQ(v4("0.0.0.0", 0), "0.0.0.0:0");
  EXPECT_EQ(v4("255.255.255.255", 65535), "255.255.255.255:65535");
  EXPECT_EQ(v4("10.0.0.5", 52312), "10.0.0.5:52312");
}

TEST(Sockaddr, Ipv6Rfc5952) {
  EXPECT_EQ(v6("::1"), "[::1]:80");
  EXPECT_EQ(v6("::", 0), "[::]:0");
  EXPECT_EQ(v6("2001:DB8::1", 443), "[2001:db8::1]:443");             // lower case
  EXPECT_EQ(v6("2001:db8:0000:0000:0000:0000:0000:0042"), "[2001:db8::42]:80");  // no leading zeros
  EXPECT_EQ(v6("2001:db8:0:1:1:1:1:1"), "[2001:db8:0:1:1:1:1:1]:80");  // one zero group: not ::
  EXPECT_EQ(v6("2001:0:0:1:0:0:0:1"), "[2001:0:0:1::1]:80");           // the longest run
  EXPECT_EQ(v6("2001:db8:0:0:1:0:0:1"), "[2001:db8::1:0:0:1]:80");     // tie: the first
  EXPECT_EQ(v6("fe80::"), "[fe80::]:80");
  EXPECT_EQ(v6("1::"), "[1::]:80");
  EXPECT_EQ(v6("::2:3:4:5:6:7:8"), "[0:2:3:4:5:6:7:8]:80");   // :: never for one group
  EXPECT_EQ(v6("::3:4:5:6:7:8"), "[::3:4:5:6:7:8]:80");
  EXPECT_EQ(v6("1:2:3:4:5:6:7::"), "[1:2:3:4:5:6:7:0]:80");
  EXPECT_EQ(v6("1:2:3:4:5:6:7:8"), "[1:2:3:4:5:6:7:8]:80");
  EXPECT_EQ(v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535),
            "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
  EXPECT_EQ(v6("0:0:1::"), "[0:0:1::]:80");
  EXPECT_EQ(v6("1:0:0:2:0:0:0:3"), "[1:0:0:2::3]:80");
}

TEST(Sockaddr, Ipv4MappedIpv6) {
  EXPECT_EQ(v6("::ffff:192.0.2.1", 8080), "[::ffff:192.0.2.1]:8080");
  EXPECT_EQ(v6("::ffff:127.0.0.1"), "[::ffff:127.0.0.1]:80");
  EXPECT_EQ(v6("::ffff:0.0.0.0"), "[::ffff:0.0.0.0]:80");
  // Not mapped: the prefix differs.
  EXPECT_EQ(v6("::fffe:c000:201"), "[::fffe:c000:201]:80");
  EXPECT_EQ(v6("1::ffff:c000:201"), "[1::ffff:c000:201]:80");
}

// glibc's inet_ntop implements RFC 5952 as well, apart from writing
// IPv4-compatible addresses (::a.b.c.d, deprecated) in dotted form.
TEST(Sockaddr, Ipv6AgreesWithInetNtop) {
  std::mt19937 rng(5952);
  static const uint16_t kGroups[] = {0, 0, 0, 1, 0xffff, 0xabcd, 0x0db8, 0x100};
  for (int iter = 0; iter < 50000; ++iter) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(rng() & 0xffff);
    uint16_t g[8];
    for (uint16_t& x : g) x = kGroups[rng() % 8];
    if (iter % 10 == 0) g[0] = g[1] = g[2] = g[3] = g[4] = 0, g[5] = 0xffff;  // mapped
    for (int i = 0; i < 8; ++i) {
      a.sin6_addr.s6_addr[2 * i] = (unsigned char)(g[i] >> 8);
      a.sin6_addr.s6_addr[2 * i + 1] = (unsigned char)g[i];
    }
    bool compat = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0 &&
                  (g[6] != 0 || g[7] > 1);
    if (compat) continue;
    char want[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET6, &a.sin6_addr, want, sizeof(want)), nullptr);
    ASSERT_EQ(fmt(&a, sizeof(a)), "[" + std::string(want) + "]:" + std::to_string(ntohs(a.sin6_port)));
  }
}

TEST(Sockaddr, UnixPathsAbstractAndUnnamed) {
  sockaddr_un u{};
  u.sun_family = AF_UNIX;
  strcpy(u.sun_path, "/run/x.sock");
  EXPECT_EQ(fmt(&u, offsetof(sockaddr_un, sun_path) + strlen(u.sun_path) + 1), "/run/x.sock");
  EXPECT_EQ(fmt(&u, sizeof(u)), "/run/x.sock");
  memcpy(u.sun_path, "\0abstract-name", 14);
  EXPECT_EQ(fmt(&u, offsetof(sockaddr_un, sun_path) + 14), "@abstract-name");
  EXPECT_EQ(fmt(&u, offsetof(sockaddr_un, sun_path)), "");  // unnamed (socketpair)
}

// An abstract name is every byte of the address, NULs included; a NUL is
// shown as '@' (as ss shows it), so the text is whole and its length is
// its strlen. (Fuzzing found the returned length counting raw NULs, the
// text cut at the first.)
TEST(Sockaddr, AbstractNameWithNulsShowsThemAsAt) {
  sockaddr_un u{};
  u.sun_family = AF_UNIX;
  memcpy(u.sun_path, "\0db\0x", 5);
  EXPECT_EQ(fmt(&u, offsetof(sockaddr_un, sun_path) + 5), "@db@x");
  memcpy(u.sun_path, "\0pad\0", 5);  // bound with sizeof(sockaddr_un): NUL-padded
  EXPECT_EQ(fmt(&u, sizeof(u)), "@pad" + std::string(sizeof(u.sun_path) - 4, '@'));
  EXPECT_EQ(fmt(&u, sizeof(u), 6), "@pad@");
}

TEST(Sockaddr, ShortUnknownAndTruncated) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(80);
  a.sin_addr.s_addr = htonl(0x7f000001);
  EXPECT_EQ(fmt(&a, 1), "");                       // shorter than a family
  EXPECT_EQ(fmt(&a, sizeof(a) - 4), "");           // shorter than sockaddr_in
  sockaddr_in6 b = make_v6("::1", 80);
  EXPECT_EQ(fmt(&b, sizeof(b) - 1), "");
  sockaddr c{};
  c.sa_family = AF_PACKET;
  EXPECT_EQ(fmt(&c, sizeof(c)), "");
  EXPECT_EQ(fmt(&a, sizeof(a), 6), "127.0");       // truncated to the room, NUL-terminated
  EXPECT_EQ(fmt(&a, sizeof(a), 1), "");
}

}  // namespace
}  // namespace fdscope
