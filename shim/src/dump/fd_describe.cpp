// SPDX-License-Identifier: MIT
#include "dump/fd_describe.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "platform/sys.h"
#include "state/options.h"
#include "stacks/blob_store.h"
#include "util/text.h"

namespace fdscope {
namespace {

class Out {
 public:
  Out(char* buf, size_t cap) : buf_(buf), cap_(cap) { buf_[0] = 0; }
  Out& add(const char* s) { return add(s, strlen(s)); }
  Out& add(const char* s, size_t n) {
    if (n > cap_ - 1 - len_) n = cap_ - 1 - len_;
    memcpy(buf_ + len_, s, n);
    len_ += n;
    buf_[len_] = 0;
    return *this;
  }
  Out& num(uint64_t v) {
    char t[20];
    return add(t, format_u64(t, v));
  }
  size_t len() const { return len_; }

 private:
  char* buf_;
  size_t cap_;
  size_t len_ = 0;
};

constexpr char kRedacted[] = "(path redacted)";

bool starts_with(const char* s, const char* prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

void format_ipv4(const unsigned char* a, Out& o) {
  for (int i = 0; i < 4; ++i) {
    if (i) o.add(".");
    o.num(a[i]);
  }
}

// RFC 5952 text: lower-case hex, the longest run (>= 2) of zero groups as ::,
// and v4-mapped addresses as ::ffff:a.b.c.d.
void format_ipv6(const unsigned char* a, Out& o) {
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (memcmp(a, kMapped, 12) == 0) {
    o.add("::ffff:");
    format_ipv4(a + 12, o);
    return;
  }
  unsigned g[8];
  for (int i = 0; i < 8; ++i) g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      o.add("::");
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best + best_len) o.add(":");
    char t[8];
    o.add(t, format_hex(t, g[i]));
  }
}

const char* kind_of(unsigned mode, const char* link) {
  if (starts_with(link, "anon_inode:")) {
    const char* what = link + 11;
    if (strcmp(what, "[eventfd]") == 0) return "eventfd";
    if (strcmp(what, "[eventpoll]") == 0) return "epoll";
    if (strcmp(what, "[timerfd]") == 0) return "timerfd";
    if (strcmp(what, "[signalfd]") == 0) return "signalfd";
    if (strcmp(what, "inotify") == 0) return "inotify";
    return "other";
  }
  if (starts_with(link, "/memfd:")) return "memfd";
  switch (mode & S_IFMT) {
    case S_IFSOCK: return "socket";
    case S_IFIFO: return starts_with(link, "pipe:") ? "pipe" : "fifo";
    case S_IFDIR: return "dir";
    case S_IFREG: return "file";
    case S_IFCHR:
      return starts_with(link, "/dev/pts/") || strcmp(link, "/dev/ptmx") == 0 ? "pty" : "chr";
    default: return "other";
  }
}

void describe_socket(int fd, const FdRecord* rec, Out& o) {
  int domain = 0, type = 0, listening = 0;
  unsigned len = sizeof(int);
  sys::ops.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
  len = sizeof(int);
  sys::ops.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
  len = sizeof(int);
  sys::ops.getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len);

  const char* proto = nullptr;
  if (domain == AF_INET || domain == AF_INET6) {
    proto = type == SOCK_STREAM ? "tcp" : type == SOCK_DGRAM ? "udp" : "raw";
  } else if (domain == AF_UNIX) {
    proto = type == SOCK_STREAM ? "unix" : type == SOCK_DGRAM ? "unix-dgram" : "unix-seqpacket";
  } else if (domain == AF_NETLINK) {
    o.add("netlink");
    return;
  } else {
    o.add("socket family ").num((unsigned)domain);
    return;
  }
  o.add(proto);

  sockaddr_storage local{}, peer{};
  unsigned llen = sizeof(local), plen = sizeof(peer);
  bool have_local = sys::ops.getsockname(fd, (sockaddr*)&local, &llen) == 0;
  bool have_peer = sys::ops.getpeername(fd, (sockaddr*)&peer, &plen) == 0;
  char text[256];
  // redact=paths: a socket's path names a file like any other.
  const bool hide = options().redact_paths && domain == AF_UNIX;
  if (have_local && format_sockaddr(&local, llen, text, sizeof(text)) > 0)
    o.add(" ").add(hide ? kRedacted : text);
  if (listening) {
    o.add(" (listening)");
    return;
  }
  if (have_peer && format_sockaddr(&peer, plen, text, sizeof(text)) > 0) {
    o.add(" -> ").add(hide ? kRedacted : text);
    return;
  }
  size_t given_len = 0;
  const unsigned char* given = rec ? blob_bytes(rec->live.peer, &given_len) : nullptr;
  if (given && format_sockaddr(given, (unsigned)given_len, text, sizeof(text)) > 0)
    o.add(" -> ").add(hide ? kRedacted : text).add(" (not connected)");
}

// redact=paths: a file system path, but not a device or a kernel file
// (/dev/null, /dev/pts/3 and /proc/... say what a descriptor is, not whose
// data it holds), nor a memfd's name.
bool hidden_path(const char* link) {
  if (!options().redact_paths || link[0] != '/') return false;
  for (const char* keep : {"/dev/", "/proc/", "/sys/", "/memfd:"})
    if (starts_with(link, keep)) return false;
  return true;
}

}  // namespace

size_t format_sockaddr(const void* addr, size_t len, char* out, size_t cap) {
  Out o(out, cap);
  if (len < sizeof(sa_family_t)) return 0;
  sa_family_t family;
  memcpy(&family, addr, sizeof(family));
  if (family == AF_INET && len >= sizeof(sockaddr_in)) {
    sockaddr_in in;
    memcpy(&in, addr, sizeof(in));
    format_ipv4((const unsigned char*)&in.sin_addr, o);
    o.add(":").num(ntohs(in.sin_port));
  } else if (family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6;
    memcpy(&in6, addr, sizeof(in6));
    o.add("[");
    format_ipv6(in6.sin6_addr.s6_addr, o);
    o.add("]:").num(ntohs(in6.sin6_port));
  } else if (family == AF_UNIX) {
    const char* path = (const char*)addr + offsetof(sockaddr_un, sun_path);
    size_t n = len - offsetof(sockaddr_un, sun_path);
    if (n == 0) return 0;  // unnamed
    if (path[0] == 0) {
      // Abstract namespace: the name is every byte of the address, NULs
      // included (programs that pass sizeof(sockaddr_un) pad with them).
      // A NUL is shown as '@', as /proc/net/unix and ss show it: the text
      // stays whole and its length is its strlen.
      o.add("@");
      for (size_t i = 1; i < n; ++i) o.add(path[i] ? path + i : "@", 1);
    } else {
      o.add(path, strnlen(path, n));
    }
  }
  return o.len();
}

bool PathModes::init(Scratch& scratch, size_t slots) {
  scratch_ = &scratch;
  slots_ = scratch.alloc<Slot>(slots);
  mask_ = slots_ ? slots - 1 : 0;
  return slots_ != nullptr;
}

namespace {
uint64_t path_hash(const char* s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
  return h;
}
}  // namespace

// The slot holding path, or the empty one where it would go.
size_t PathModes::at(uint64_t hash, const char* path, size_t len) const {
  size_t i = hash & mask_;
  while (slots_[i].path && !(slots_[i].hash == hash && slots_[i].len == len &&
                             memcmp(slots_[i].path, path, len) == 0))
    i = (i + 1) & mask_;
  return i;
}

bool PathModes::find(const char* path, size_t len, unsigned* mode) const {
  if (!slots_) return false;
  const Slot& s = slots_[at(path_hash(path, len), path, len)];
  if (!s.path) return false;
  *mode = s.mode;
  return true;
}

void PathModes::add(const char* path, size_t len, unsigned mode) {
  if (!slots_ || 2 * (used_ + 1) > mask_ + 1) return;  // kept at most half full
  uint64_t hash = path_hash(path, len);
  Slot& s = slots_[at(hash, path, len)];
  if (s.path) return;
  char* copy = scratch_->alloc<char>(len + 1);
  if (!copy) return;
  memcpy(copy, path, len);
  s = Slot{hash, copy, len, mode};
  ++used_;
}

bool describe_fd(int fd, const FdRecord* rec, FdDescription* out, int proc_fd,
                 PathModes* modes) {
  char name[32] = "/proc/self/fd/";
  name[14 + format_u64(name + 14, (uint64_t)fd)] = 0;
  char link[kTargetMax];
  long n = -EBADF;
  if (proc_fd >= 0) n = sys::ops.readlinkat(proc_fd, name + 14, link, sizeof(link) - 1);
  // Any failure is asked again by the whole path (the host may have closed
  // the directory's descriptor meanwhile).
  if (n < 0) n = sys::ops.readlinkat(AT_FDCWD, name, link, sizeof(link) - 1);
  if (n == -ENOENT) return false;  // closed since it was listed
  link[n > 0 ? n : 0] = 0;
  // Sockets, pipes and anonymous inodes are named by their link alone:
  // their mode is not asked for.
  unsigned mode = 0;
  if (starts_with(link, "socket:[")) {
    mode = S_IFSOCK;
  } else if (starts_with(link, "pipe:[")) {
    mode = S_IFIFO;
  } else if (!starts_with(link, "anon_inode:")) {
    const size_t len = n > 0 ? (size_t)n : 0;
    const bool path = link[0] == '/';
    if (!path || !modes || !modes->find(link, len, &mode)) {
      struct stat st{};
      long r = sys::ops.fstat(fd, &st);
      if (r == -EBADF) return false;
      mode = r == 0 ? st.st_mode : 0;
      if (path && modes && r == 0) modes->add(link, len, mode);
    }
  }

  out->kind = kind_of(mode, link);
  Out o(out->target, sizeof(out->target));
  if (strcmp(out->kind, "socket") == 0) {
    describe_socket(fd, rec, o);
  } else {
    o.add(hidden_path(link) ? kRedacted : link);
  }
  return true;
}

}  // namespace fdscope
