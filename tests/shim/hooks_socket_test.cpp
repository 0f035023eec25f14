// Sockets: socket socketpair accept accept4 connect, and descriptors received
// over a unix socket with recvmsg/recvmmsg (SCM_RIGHTS). Loopback only.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hook_test_support.h"

namespace fdscope::test {
namespace {

std::string local_text(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof(a);
  return getsockname(fd, (sockaddr*)&a, &len) == 0 ? addr_text(a) : "getsockname failed";
}

// A socket bound to 127.0.0.1 that does not listen: connecting to its port
// is refused.
int bound_not_listening(sockaddr_storage* addr, socklen_t* len) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, (sockaddr*)&in, sizeof(in));
  *len = sizeof(*addr);
  getsockname(s, (sockaddr*)addr, len);
  return s;
}

msghdr message_for(char* byte, iovec* iov, char* control, size_t control_len) {
  *iov = iovec{byte, 1};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = control_len;
  return msg;
}

}  // namespace

TEST(HooksSocket, Socket) {
  int tcp = socket(AF_INET, SOCK_STREAM, 0);
  int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int local = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(tcp, 0);
  ASSERT_GE(udp, 0);
  ASSERT_GE(local, 0);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(udp, (sockaddr*)&in, sizeof(in)), 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, tcp, "socket", "socket", "tcp 0.0.0.0:0"));
  EXPECT_TRUE(IsTracked(d, udp, "socket", "socket", "udp " + local_text(udp)));
  EXPECT_TRUE(IsTracked(d, local, "socket", "socket", "unix"));
  for (int fd : {tcp, udp, local}) {
    ASSERT_NE(d.find(fd), nullptr);
    EXPECT_EQ(d.find(fd)->connect_stack, 0u) << "fd " << fd << " was never connected";
  }
  close(tcp);
  close(udp);
  close(local);
}

TEST(HooksSocket, Connect) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int listener = listen_loopback(&addr, &len);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(client, 0);
  ASSERT_EQ(connect(client, (sockaddr*)&addr, len), 0);
  int server = accept(listener, nullptr, nullptr);
  ASSERT_GE(server, 0);

  const std::string expected = "tcp " + local_text(client) + " -> 127.0.0.1:" +
                               std::to_string(port_of(addr));
  EXPECT_EQ(tcp_target(client), expected);
  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, client, "socket", "socket", expected));
  EXPECT_TRUE(HasConnectStack(d, client));
  ASSERT_NE(d.find(listener), nullptr);
  EXPECT_EQ(d.find(listener)->target, listening_target(listener));
  close(server);
  close(client);
  close(listener);
}

TEST(HooksSocket, ConnectRefusedRecordsIntent) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int closed_port = bound_not_listening(&addr, &len);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(client, 0);
  errno = 0;
  EXPECT_EQ(connect(client, (sockaddr*)&addr, len), -1);
  EXPECT_EQ(errno, ECONNREFUSED);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, client, "socket", "socket",
                        "tcp " + local_text(client) + " -> " + addr_text(addr) +
                            " (not connected)"));
  EXPECT_TRUE(HasConnectStack(d, client));
  close(client);
  close(closed_port);
}

TEST(HooksSocket, Socketpair) {
  int stream[2], dgram[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, stream), 0);
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dgram), 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, stream[0], "socketpair", "socket", "unix"));
  EXPECT_TRUE(IsTracked(d, stream[1], "socketpair", "socket", "unix"));
  EXPECT_TRUE(IsTracked(d, dgram[0], "socketpair", "socket", "unix-dgram"));
  EXPECT_TRUE(IsTracked(d, dgram[1], "socketpair", "socket", "unix-dgram"));
  for (int fd : {stream[0], stream[1], dgram[0], dgram[1]}) close(fd);
}

TEST(HooksSocket, Accept) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int listener = listen_loopback(&addr, &len);
  int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(connect(client, (sockaddr*)&addr, len), 0);
  sockaddr_storage peer{};
  socklen_t peer_len = sizeof(peer);
  int server = accept(listener, (sockaddr*)&peer, &peer_len);
  ASSERT_GE(server, 0);
  EXPECT_EQ(addr_text(peer), local_text(client));  // the address is passed back

  const std::string expected = "tcp 127.0.0.1:" + std::to_string(port_of(addr)) + " -> " +
                               local_text(client);
  EXPECT_EQ(tcp_target(server), expected);
  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, server, "accept", "socket", expected));
  EXPECT_EQ(d.find(server)->connect_stack, 0u);
  close(server);
  close(client);
  close(listener);
}

TEST(HooksSocket, Accept4) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int listener = listen_loopback(&addr, &len);
  int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(connect(client, (sockaddr*)&addr, len), 0);
  int server = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  ASSERT_GE(server, 0);
  EXPECT_EQ(fcntl(server, F_GETFD), FD_CLOEXEC);
  EXPECT_NE(fcntl(server, F_GETFL) & O_NONBLOCK, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, server, "accept4", "socket", tcp_target(server)));
  EXPECT_EQ(tcp_target(server), "tcp 127.0.0.1:" + std::to_string(port_of(addr)) + " -> " +
                                    local_text(client));
  close(server);
  close(client);
  close(listener);
}

TEST(HooksSocket, RecvmsgScmRights) {
  TempDir dir;
  std::string path = raw_create_file(dir.join("passed"));
  int sp[2], p[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  int file = raw_open(path, O_RDONLY);
  send_fds(sp[0], {file, p[0]});

  char byte = 0;
  iovec iov;
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))];
  msghdr msg = message_for(&byte, &iov, control, sizeof(control));
  ASSERT_EQ(recvmsg(sp[1], &msg, MSG_CMSG_CLOEXEC), 1);
  std::vector<int> got = received_fds(msg);
  ASSERT_EQ(got.size(), 2u);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, got[0], "recvmsg", "file", path));
  EXPECT_TRUE(IsTracked(d, got[1], "recvmsg", "pipe", pipe_target(p[0])));
  EXPECT_TRUE(IsUntracked(d, file, "file", path));  // the sender's copy, opened raw
  for (int fd : {got[0], got[1], file, p[0], p[1], sp[0], sp[1]}) close(fd);
}

TEST(HooksSocket, Recvmmsg) {
  TempDir dir;
  std::string path_a = raw_create_file(dir.join("a")), path_b = raw_create_file(dir.join("b"));
  int sp[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp), 0);
  int a = raw_open(path_a, O_RDONLY), b = raw_open(path_b, O_RDONLY);
  send_fds(sp[0], {a});
  send_fds(sp[0], {b});

  char bytes[2];
  iovec iov[2];
  alignas(cmsghdr) char control[2][CMSG_SPACE(sizeof(int))];
  mmsghdr msgs[2] = {};
  for (int i = 0; i < 2; ++i)
    msgs[i].msg_hdr = message_for(&bytes[i], &iov[i], control[i], sizeof(control[i]));
  ASSERT_EQ(recvmmsg(sp[1], msgs, 2, MSG_DONTWAIT | MSG_CMSG_CLOEXEC, nullptr), 2);
  std::vector<int> got_a = received_fds(msgs[0].msg_hdr);
  std::vector<int> got_b = received_fds(msgs[1].msg_hdr);
  ASSERT_EQ(got_a.size(), 1u);
  ASSERT_EQ(got_b.size(), 1u);

  Dump d = dump_now();
  EXPECT_TRUE(IsTracked(d, got_a[0], "recvmmsg", "file", path_a));
  EXPECT_TRUE(IsTracked(d, got_b[0], "recvmmsg", "file", path_b));
  for (int fd : {got_a[0], got_b[0], a, b, sp[0], sp[1]}) close(fd);
}

}  // namespace fdscope::test
