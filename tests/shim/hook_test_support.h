// Helpers for the interposer tests (one test per hooked libc entry point).
//
// Each test creates descriptors through one entry point in its own body,
// asks the preloaded shim for a dump (dump_now) and checks the descriptors'
// records with IsTracked: call name, kind, target, and a creating stack whose
// innermost frame is the running test's body.
//
// A dump only lists descriptors that are really open (the shim checks
// /proc/self/fd), so a closed descriptor never shows up whether or not its
// record was dropped. Release tests therefore put an untracked descriptor at
// the released number behind the shim's back (OccupyRaw): a record the hook
// failed to drop would then show as tracked.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "dump_reader.h"
#include "temp_dir.h"

namespace fdscope::test {

// "Suite_Name_Test::TestBody", the running test's body as stacks name it.
std::string test_body();

// fd is listed, tracked, created by `call`, of `kind` and `target`, with a
// creating stack whose innermost frame is the running test's body.
::testing::AssertionResult IsTracked(const Dump& d, int fd, std::string_view call,
                                     std::string_view kind, std::string_view target);
// fd is listed as untracked (no record), of `kind` and `target`.
::testing::AssertionResult IsUntracked(const Dump& d, int fd, std::string_view kind,
                                       std::string_view target);
// fd's record carries a connect stack whose innermost frame is the test body.
::testing::AssertionResult HasConnectStack(const Dump& d, int fd);

// Descriptor calls made with the syscall instruction itself (not glibc's
// syscall(), which the shim interposes for SYS_close): invisible to the
// shim. raw_syscall returns -1 with errno on failure.
long raw_syscall(long n, long a = 0, long b = 0, long c = 0, long d = 0);
int raw_open(const std::string& path, int flags);
int raw_close(int fd);
// Creates (or truncates) the file at path with `content`, opened with
// raw_open (behind the shim's back); returns path.
std::string raw_create_file(const std::string& path, const std::string& content = "x");
// Opens /dev/null at number fd (which must be free) behind the shim's back.
// The dump must then show fd as untracked chr /dev/null.
void occupy_raw(int fd);
void occupy_raw(const std::vector<int>& fds);
// Raw-closes every fd in the list.
void close_raw(const std::vector<int>& fds);

// Expected targets, computed independently of the shim.
std::string pipe_target(int fd);                 // "pipe:[inode]"
std::string addr_text(const sockaddr_storage& a);  // "127.0.0.1:port"
std::string tcp_target(int fd);        // "tcp LOCAL -> PEER" (getsockname/getpeername)
std::string listening_target(int fd);  // "tcp LOCAL (listening)"
std::string proc_link(int fd);         // readlink /proc/self/fd/N
uint64_t inode_of(int fd);

// A TCP socket listening on 127.0.0.1 (ephemeral port), and its address.
int listen_loopback(sockaddr_storage* addr, socklen_t* len);
uint16_t port_of(const sockaddr_storage& a);

// The soft RLIMIT_NOFILE. Tests that place descriptors at fixed high numbers
// (800..921) skip below 1024.
long soft_fd_limit();

// Sends fds over a unix socket as one SCM_RIGHTS message with one data byte.
void send_fds(int sock, const std::vector<int>& fds);
// Extracts the SCM_RIGHTS descriptors of a received message.
std::vector<int> received_fds(const msghdr& msg);

// Runs `body` in a forked child (for calls such as closefrom that would
// close the test runner's descriptors) and returns what it reported: an
// empty string for success, else a failure description.
std::string run_in_child(std::string (*body)());

}  // namespace fdscope::test
