// SPDX-License-Identifier: MIT
// common/'s grouping of targets: sockets by their stable end, everything
// else as it is, cut safely at the buffer's end.
#include <string.h>

#include <string>

#include <gtest/gtest.h>

#include "fdscope_common/targets.h"

namespace fdscope::common {
namespace {

std::string norm(const char* kind, const char* call, const char* target, size_t cap = 256) {
  char buf[256];
  size_t n = normalise_target(kind, call, target, buf, cap);
  EXPECT_EQ(n, strlen(buf));
  return buf;
}

TEST(Targets, ConnectionsByTheirPeer) {
  EXPECT_EQ(norm("socket", "socket", "tcp 127.0.0.1:52312 -> 10.0.0.5:3306"), "tcp -> 10.0.0.5:3306");
  EXPECT_EQ(norm("socket", "socket", "tcp6 [::1]:40000 -> [::1]:5432"), "tcp6 -> [::1]:5432");
  EXPECT_EQ(norm("socket", "socket", "tcp 127.0.0.1:5 -> 10.0.0.5:3306 (not connected)"),
            "tcp -> 10.0.0.5:3306 (not connected)");
}

TEST(Targets, AcceptedByTheirListenerAndTheClientsHost) {
  EXPECT_EQ(norm("socket", "accept4", "tcp 10.0.0.9:8080 -> 10.0.0.7:41234"),
            "tcp 10.0.0.9:8080 <- 10.0.0.7");
  EXPECT_EQ(norm("socket", "accept", "tcp 10.0.0.9:8080 -> 10.0.0.7:41234 (not connected)"),
            "tcp 10.0.0.9:8080 <- 10.0.0.7 (not connected)");
  EXPECT_EQ(norm("socket", "accept", "unix /run/a.sock -> unix"), "unix /run/a.sock <- unix");
}

TEST(Targets, EverythingElseAsItIs) {
  EXPECT_EQ(norm("file", "open", "/var/log/app -> x.log"), "/var/log/app -> x.log");
  EXPECT_EQ(norm("socket", "socket", "tcp 0.0.0.0:0"), "tcp 0.0.0.0:0");
  EXPECT_EQ(norm("socket", "socket", "tcp 127.0.0.1:80 (listening)"), "tcp 127.0.0.1:80 (listening)");
}

TEST(Targets, CutAtTheCapacity) {
  EXPECT_EQ(norm("socket", "socket", "tcp 127.0.0.1:52312 -> 10.0.0.5:3306", 8), "tcp -> ");
  EXPECT_EQ(norm("file", "open", "/a/long/path", 5), "/a/l");
}

}  // namespace
}  // namespace fdscope::common
