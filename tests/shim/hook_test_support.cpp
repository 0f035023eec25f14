#include "hook_test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>

namespace fdscope::test {
namespace {

std::string describe(const Dump& d, const FdEntry& e) {
  std::ostringstream o;
  o << "fd " << e.fd << " {kind \"" << e.kind << "\", target \"" << e.target << "\", tracked "
    << e.tracked;
  if (e.tracked)
    o << ", call \"" << e.call << "\", stack " << e.stack << " [" << d.describe_stack(e.stack)
      << "]";
  o << "}";
  return o.str();
}

// In a sanitizer build (FDSCOPE_SANITIZE) the runtime's interceptor of a
// call (ASan's accept, recvmsg...) is a real frame between the caller and
// the library: the caller's is the first frame outside that runtime.
bool in_sanitizer_runtime(const Dump& d, const Frame& f) {
  auto m = d.modules.find(f.module);
  if (m == d.modules.end()) return false;
  const std::string& path = m->second.path;
  const std::string base = path.substr(path.rfind('/') + 1);
  return base.starts_with("libasan.so") || base.starts_with("libtsan.so") ||
         base.starts_with("libubsan.so");
}

::testing::AssertionResult stack_starts_in_body(const Dump& d, uint32_t stack,
                                                const char* what) {
  const std::string body = test_body();
  const std::vector<Frame>& frames = d.frames(stack);
  if (stack == 0 || frames.empty())
    return ::testing::AssertionFailure() << what << " stack " << stack << " has no frames";
  if (!d.stack_has(stack, body))
    return ::testing::AssertionFailure()
           << what << " stack lacks " << body << ": " << d.describe_stack(stack);
  size_t first = 0;
  while (first + 1 < frames.size() && in_sanitizer_runtime(d, frames[first])) ++first;
  if (frames[first].function.find(body) == std::string::npos)
    return ::testing::AssertionFailure()
           << what << " stack's innermost frame is not " << body << ": "
           << d.describe_stack(stack);
  return ::testing::AssertionSuccess();
}

}  // namespace

std::string test_body() {
  const ::testing::TestInfo* t = ::testing::UnitTest::GetInstance()->current_test_info();
  if (!t) return "<no test running>";
  return std::string(t->test_suite_name()) + "_" + t->name() + "_Test::TestBody";
}

::testing::AssertionResult IsTracked(const Dump& d, int fd, std::string_view call,
                                     std::string_view kind, std::string_view target) {
  const FdEntry* e = d.find(fd);
  if (!e) return ::testing::AssertionFailure() << "fd " << fd << " is not in the dump";
  if (!e->tracked || e->call != call || e->kind != kind || e->target != target)
    return ::testing::AssertionFailure()
           << describe(d, *e) << "; expected tracked, call \"" << call << "\", kind \"" << kind
           << "\", target \"" << target << "\"";
  return stack_starts_in_body(d, e->stack, "creating");
}

::testing::AssertionResult IsUntracked(const Dump& d, int fd, std::string_view kind,
                                       std::string_view target) {
  const FdEntry* e = d.find(fd);
  if (!e) return ::testing::AssertionFailure() << "fd " << fd << " is not in the dump";
  if (e->tracked || e->kind != kind || e->target != target || e->stack != 0)
    return ::testing::AssertionFailure() << describe(d, *e) << "; expected untracked, kind \""
                                         << kind << "\", target \"" << target << "\"";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult HasConnectStack(const Dump& d, int fd) {
  const FdEntry* e = d.find(fd);
  if (!e) return ::testing::AssertionFailure() << "fd " << fd << " is not in the dump";
  if (!e->tracked) return ::testing::AssertionFailure() << describe(d, *e) << " is untracked";
  return stack_starts_in_body(d, e->connect_stack, "connect");
}

long raw_syscall(long n, long a, long b, long c, long d) {
  long r;
#if defined(__x86_64__)
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  r = x0;
#else
#error "raw_syscall: add this architecture"
#endif
  if (r < 0 && r > -4096) {
    errno = (int)-r;
    return -1;
  }
  return r;
}

int raw_open(const std::string& path, int flags) {
  return (int)raw_syscall(SYS_openat, AT_FDCWD, (long)path.c_str(), flags | O_CLOEXEC, 0600);
}

int raw_close(int fd) { return (int)raw_syscall(SYS_close, fd); }

std::string raw_create_file(const std::string& path, const std::string& content) {
  int fd = raw_open(path, O_WRONLY | O_CREAT | O_TRUNC);
  if (fd < 0) throw std::runtime_error("cannot create " + path);
  if (write(fd, content.data(), content.size()) != (ssize_t)content.size())
    throw std::runtime_error("cannot write " + path);
  raw_close(fd);
  return path;
}

void occupy_raw(int fd) {
  if (raw_syscall(SYS_fcntl, fd, F_GETFD) != -1)
    throw std::runtime_error("occupy_raw: fd " + std::to_string(fd) + " is still open");
  int t = raw_open("/dev/null", O_RDONLY);
  if (t < 0) throw std::runtime_error("occupy_raw: cannot open /dev/null");
  if (t != fd) {
    if (raw_syscall(SYS_dup3, t, fd, O_CLOEXEC) != fd)
      throw std::runtime_error("occupy_raw: dup3 onto " + std::to_string(fd) + " failed");
    raw_close(t);
  }
}

void occupy_raw(const std::vector<int>& fds) {
  for (int fd : fds) occupy_raw(fd);
}

void close_raw(const std::vector<int>& fds) {
  for (int fd : fds) raw_close(fd);
}

// ---- expected targets ------------------------------------------------------

uint64_t inode_of(int fd) {
  struct stat st{};
  if (fstat(fd, &st) != 0) return 0;
  return st.st_ino;
}

std::string pipe_target(int fd) { return "pipe:[" + std::to_string(inode_of(fd)) + "]"; }

std::string proc_link(int fd) {
  char buf[PATH_MAX];
  std::string name = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = readlink(name.c_str(), buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, (size_t)n) : std::string();
}

std::string addr_text(const sockaddr_storage& a) {
  char host[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(a);
    inet_ntop(AF_INET, &in.sin_addr, host, sizeof(host));
    return std::string(host) + ":" + std::to_string(ntohs(in.sin_port));
  }
  if (a.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(a);
    inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof(host));
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6.sin6_port));
  }
  return "?";
}

uint16_t port_of(const sockaddr_storage& a) {
  return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
}

std::string tcp_target(int fd) {
  sockaddr_storage local{}, peer{};
  socklen_t llen = sizeof(local), plen = sizeof(peer);
  if (getsockname(fd, (sockaddr*)&local, &llen) != 0) return "getsockname failed";
  if (getpeername(fd, (sockaddr*)&peer, &plen) != 0) return "getpeername failed";
  return "tcp " + addr_text(local) + " -> " + addr_text(peer);
}

std::string listening_target(int fd) {
  sockaddr_storage local{};
  socklen_t llen = sizeof(local);
  if (getsockname(fd, (sockaddr*)&local, &llen) != 0) return "getsockname failed";
  return "tcp " + addr_text(local) + " (listening)";
}

int listen_loopback(sockaddr_storage* addr, socklen_t* len) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) throw std::runtime_error("socket");
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  in.sin_port = 0;
  if (bind(s, (sockaddr*)&in, sizeof(in)) != 0 || listen(s, 8) != 0)
    throw std::runtime_error("bind/listen on 127.0.0.1");
  *len = sizeof(*addr);
  if (getsockname(s, (sockaddr*)addr, len) != 0) throw std::runtime_error("getsockname");
  return s;
}

long soft_fd_limit() {
  struct rlimit lim{};
  return getrlimit(RLIMIT_NOFILE, &lim) == 0 ? (long)lim.rlim_cur : 0;
}

// ---- SCM_RIGHTS ------------------------------------------------------------

void send_fds(int sock, const std::vector<int>& fds) {
  char byte = 'x';
  iovec iov{&byte, 1};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  if (sendmsg(sock, &msg, 0) != 1) throw std::runtime_error("sendmsg SCM_RIGHTS");
}

std::vector<int> received_fds(const msghdr& msg) {
  std::vector<int> out;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; ++i) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      out.push_back(fd);
    }
  }
  return out;
}

// ---- child processes -------------------------------------------------------

std::string run_in_child(std::string (*body)()) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return "pipe2 failed";
  pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    close(p[0]);
    std::string result;
    try {
      result = body();
    } catch (const std::exception& e) {
      result = std::string("exception: ") + e.what();
    }
    (void)!write(p[1], result.data(), result.size());
    _exit(0);
  }
  close(p[1]);
  std::string result;
  char buf[4096];
  for (ssize_t n; (n = read(p[0], buf, sizeof(buf))) > 0;) result.append(buf, (size_t)n);
  close(p[0]);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return result + " (waitpid failed)";
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return result + " (child status " + std::to_string(status) + ")";
  return result;
}

}  // namespace fdscope::test
