/* SPDX-License-Identifier: MIT */
/* A daemon that closes every descriptor at start-up, as many do, then does
 * daemon work, printing what it sees on stdout (deterministic, so a plain
 * and a preloaded run must print the same):
 *
 *   closeall_daemon loop|closefrom|close_range PIDFILE
 *
 * 1. closes every descriptor from 3 up: a loop of close() to the hard
 *    limit counting the ones that were open (`loop`), closefrom(3), or
 *    close_range(3, ~0U, 0);
 * 2. detaches: fork, setsid, fork; the first two exit 0, the daemon writes
 *    its pid to PIDFILE (so the test can end it if it hangs) and goes on
 *    with stdout and stderr as they were (stdin to /dev/null);
 * 3. works: a file, a socketpair, a pipe, a TCP listener, a connection to
 *    it on 127.0.0.1 and the accepted end, data through each; 100 pipes at
 *    once (past the threshold of a preloaded run), closed again; a child
 *    through fork+exec of itself (`closeall_daemon child`) that reports its
 *    open descriptors (none of the library's may have come through exec);
 *    dup2 of a file onto the highest descriptor of the soft limit (where the
 *    library kept its reserve), written and read through that number;
 *    printing every descriptor number it got and the open descriptors below
 *    256 after each step;
 * 4. exits 0 (the at-exit dump of a preloaded run). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char* what) {
  dprintf(2, "closeall_daemon: %s: %s\n", what, strerror(errno));
  _exit(3);
}

/* The open descriptors below 256, by fcntl (which needs no descriptor). */
static void show_open(const char* step) {
  printf("%s: open", step);
  for (int fd = 0; fd < 256; ++fd)
    if (fcntl(fd, F_GETFD) >= 0) printf(" %d", fd);
  printf("\n");
  fflush(stdout);
}

static void close_everything(const char* mode) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) die("getrlimit");
  if (strcmp(mode, "loop") == 0) {
    /* The classic: close() up to the limit. How many were open is what a
     * daemon that logs it would print. */
    long max = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : (long)rl.rlim_max;
    int closed = 0, ebadf = 0, other = 0;
    for (long fd = 3; fd < max; ++fd) {
      if (close((int)fd) == 0)
        ++closed;
      else if (errno == EBADF)
        ++ebadf;
      else
        ++other;
    }
    printf("close loop 3..%ld: %d closed, %d EBADF, %d other errors\n", max - 1, closed, ebadf, other);
  } else if (strcmp(mode, "closefrom") == 0) {
    closefrom(3);
    printf("closefrom(3)\n");
  } else if (strcmp(mode, "close_range") == 0) {
    int r = close_range(3, ~0U, 0);
    printf("close_range(3, ~0U, 0) = %d\n", r);
  } else {
    dprintf(2, "closeall_daemon: unknown mode %s\n", mode);
    exit(2);
  }
  fflush(stdout);
}

static void detach(const char* pidfile) {
  pid_t p = fork();
  if (p < 0) die("fork");
  if (p > 0) {
    int st;
    waitpid(p, &st, 0); /* the middle process exits at once */
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 4);
  }
  if (setsid() < 0) die("setsid");
  p = fork();
  if (p < 0) die("fork");
  if (p > 0) _exit(0);
  FILE* f = fopen(pidfile, "w");
  if (!f) die("pidfile");
  fprintf(f, "%d\n", (int)getpid());
  fclose(f);
  int null = open("/dev/null", O_RDONLY);
  if (null < 0) die("/dev/null");
  if (dup2(null, 0) != 0) die("dup2 stdin");
  close(null);
  printf("detached: /dev/null was fd %d\n", null);
  fflush(stdout);
}

static void check_io(int wfd, int rfd, const char* what) {
  char buf[64];
  const char msg[] = "fdscope real daemon";
  if (write(wfd, msg, sizeof msg) != (ssize_t)sizeof msg) die(what);
  ssize_t n = read(rfd, buf, sizeof buf);
  printf("%s: %zd bytes %s\n", what, n, n == (ssize_t)sizeof msg && memcmp(buf, msg, n) == 0 ? "ok" : "WRONG");
}

static void work(void) {
  char path[] = "/tmp/closeall_daemon.XXXXXX";
  int file = mkstemp(path);
  if (file < 0) die("mkstemp");
  unlink(path);
  int sp[2], pp[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0) die("socketpair");
  if (pipe2(pp, O_CLOEXEC) != 0) die("pipe2");
  printf("mkstemp %d, socketpair %d %d, pipe %d %d\n", file, sp[0], sp[1], pp[0], pp[1]);
  check_io(sp[0], sp[1], "socketpair");
  check_io(pp[1], pp[0], "pipe");

  int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof a;
  if (l < 0 || bind(l, (struct sockaddr*)&a, sizeof a) != 0 || listen(l, 4) != 0 ||
      getsockname(l, (struct sockaddr*)&a, &al) != 0)
    die("listen");
  int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c < 0 || connect(c, (struct sockaddr*)&a, sizeof a) != 0) die("connect");
  int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  if (s < 0) die("accept4");
  printf("listen %d, connect %d, accept %d\n", l, c, s);
  check_io(c, s, "tcp");
  show_open("after sockets");

  int many[200];
  for (int i = 0; i < 100; ++i) {
    if (pipe(many + 2 * i) != 0) die("pipe");
  }
  printf("100 pipes: fds %d..%d\n", many[0], many[199]);
  show_open("with 100 pipes");
  for (int i = 0; i < 200; ++i) close(many[i]);
  show_open("pipes closed");

  fflush(stdout);
  pid_t p = fork();
  if (p < 0) die("fork");
  if (p == 0) {
    execl("/proc/self/exe", "closeall_daemon", "child", (char*)NULL);
    _exit(127);
  }
  int st;
  if (waitpid(p, &st, 0) != p) die("waitpid");
  printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  int top = (int)(rl.rlim_cur > 4096 ? 4095 : rl.rlim_cur - 1);
  int d = dup2(file, top);
  printf("dup2(file, soft limit - 1) %s\n", d == top ? "ok" : "FAILED");
  const char text[] = "written through the highest descriptor\n";
  if (pwrite(top, text, sizeof text - 1, 0) != (ssize_t)sizeof text - 1) die("pwrite");
  char back[128] = {0};
  ssize_t n = pread(file, back, sizeof back - 1, 0);
  printf("read back %zd bytes: %s", n, back);
  int flags = fcntl(top, F_GETFD);
  printf("highest descriptor: F_GETFD %d\n", flags);
  close(top);
  close(file);
  close(s);
  close(c);
  close(l);
  close(sp[0]);
  close(sp[1]);
  close(pp[0]);
  close(pp[1]);
  show_open("at the end");
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "child") == 0) {
    show_open("exec'd child");
    return 0;
  }
  if (argc != 3) {
    dprintf(2, "usage: closeall_daemon loop|closefrom|close_range PIDFILE\n");
    return 2;
  }
  close_everything(argv[1]);
  show_open("after closing");
  detach(argv[2]);
  work();
  printf("done\n");
  return 0;
}
