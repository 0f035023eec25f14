/* The subject of the fdscope tool tests: a small "service" that leaks
 * descriptors at known lines. Each leaking call, and each call on the way to
 * it, carries a marker comment (@line:NAME); the tests compute the expected
 * line numbers from those markers, so lines may move without breaking them.
 * Every call that the tests expect to see as a frame sits on one line.
 *
 *   leaky_service golden DIR       1 listener, 7 client sockets to it, 3 pipes
 *                                  (6 fds), 4 open()s of DIR/cache.db, 2
 *                                  fopen()s of DIR/audit.log; exit 0
 *   leaky_service exit N           opens and closes a file, a pipe and a
 *                                  socket; leaks nothing; exit N
 *   leaky_service leak-exit N      leaks one open() of /dev/null; exit N
 *   leaky_service sigterm          leaks one file, then kills itself (SIGTERM)
 *   leaky_service grow DIR B       a listener and 2 settings files, then B
 *                                  batches of 5 client sockets and 1 cache
 *                                  file, with a signal dump (SIGUSR2 to
 *                                  itself) after each batch; a pipe made in
 *                                  batch 1 is closed in batch B; exit 0
 *   leaky_service grow DIR B MS    the same, sleeping MS ms after each dump
 *   leaky_service sleep DIR        leaks 2 cache files and a pipe, prints
 *                                  "ready", sleeps (at most 60 s)
 *   leaky_service close-all-then-sleep DIR
 *                                  closes every descriptor above 2, as
 *                                  daemons do at start-up, then as sleep
 *   leaky_service files PATH N P   N open()s of PATH and P pipes; exit 0
 *   leaky_service chatter N        writes N lines to stdout; leaks nothing
 *
 * Standard output carries only deterministic text. -O0, no inlining. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char* what) {
  perror(what);
  exit(90);
}

__attribute__((noinline)) static int open_listener(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0); /* @line:open_listener */
  if (fd < 0) die("socket");
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr*)&a, sizeof(a)) != 0) die("bind");
  if (listen(fd, 128) != 0) die("listen");
  socklen_t len = sizeof(a);
  if (getsockname(fd, (struct sockaddr*)&a, &len) != 0) die("getsockname");
  *port = ntohs(a.sin_port);
  return fd;
}

__attribute__((noinline)) static int connect_backend(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0); /* @line:connect_backend */
  if (fd < 0) die("socket");
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons((unsigned short)port);
  if (connect(fd, (struct sockaddr*)&a, sizeof(a)) != 0) die("connect");
  return fd;
}

__attribute__((noinline)) static int make_notify_pipe(int fds[2]) {
  if (pipe(fds) != 0) die("pipe"); /* @line:make_notify_pipe */
  return fds[0];
}

__attribute__((noinline)) static int open_cache_file(const char* path) {
  int fd = open(path, O_RDWR | O_CREAT, 0600); /* @line:open_cache_file */
  if (fd < 0) die(path);
  return fd;
}

__attribute__((noinline)) static FILE* open_audit_log(const char* path) {
  FILE* f = fopen(path, "a"); /* @line:open_audit_log */
  if (!f) die(path);
  return f;
}

__attribute__((noinline)) static int open_settings(const char* path) {
  int fd = open(path, O_RDONLY | O_CREAT, 0600); /* @line:open_settings */
  if (fd < 0) die(path);
  return fd;
}

static void dump_now(void) {
  /* Delivered before kill() returns: the dump is written by then. */
  if (kill(getpid(), SIGUSR2) != 0) die("kill");
}

static int run_golden(const char* dir) {
  char cache[4096], audit[4096];
  snprintf(cache, sizeof(cache), "%s/cache.db", dir);
  snprintf(audit, sizeof(audit), "%s/audit.log", dir);
  int port = 0, fds[2];
  open_listener(&port); /* @line:run_golden->open_listener */
  for (int i = 0; i < 7; ++i) connect_backend(port); /* @line:run_golden->connect_backend */
  for (int i = 0; i < 3; ++i) make_notify_pipe(fds); /* @line:run_golden->make_notify_pipe */
  for (int i = 0; i < 4; ++i) open_cache_file(cache); /* @line:run_golden->open_cache_file */
  for (int i = 0; i < 2; ++i) open_audit_log(audit); /* @line:run_golden->open_audit_log */
  printf("leaky_service: 7 backend connections, 3 notify pipes, 4 cache handles, 2 audit logs\n");
  return 0;
}

static int run_exit(int status) {
  int fds[2];
  int fd = open("/dev/null", O_RDONLY);
  if (fd < 0 || close(fd) != 0) die("/dev/null");
  if (pipe(fds) != 0 || close(fds[0]) != 0 || close(fds[1]) != 0) die("pipe");
  fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || close(fd) != 0) die("socket");
  FILE* f = fopen("/dev/null", "r");
  if (!f || fclose(f) != 0) die("fopen");
  printf("leaky_service: exiting with %d\n", status);
  return status;
}

static int run_leak_exit(int status) {
  open_cache_file("/dev/null"); /* @line:run_leak_exit->open_cache_file */
  printf("leaky_service: leaving /dev/null open, exiting with %d\n", status);
  return status;
}

static int run_sigterm(void) {
  open_cache_file("/dev/null");
  printf("leaky_service: killing myself\n");
  fflush(stdout);
  raise(SIGTERM);
  return 91;
}

static int run_grow(const char* dir, int batches, int pause_ms) {
  char cache[4096], settings[4096];
  snprintf(cache, sizeof(cache), "%s/cache.db", dir);
  snprintf(settings, sizeof(settings), "%s/settings.conf", dir);
  int port = 0, fds[2] = {-1, -1};
  open_listener(&port);
  open_settings(settings);
  open_settings(settings);
  for (int b = 1; b <= batches; ++b) {
    for (int i = 0; i < 5; ++i) connect_backend(port); /* @line:run_grow->connect_backend */
    open_cache_file(cache); /* @line:run_grow->open_cache_file */
    if (b == 1) make_notify_pipe(fds);
    if (b == batches && (close(fds[0]) != 0 || close(fds[1]) != 0)) die("close");
    dump_now();
    if (pause_ms > 0) usleep((useconds_t)pause_ms * 1000);
  }
  printf("leaky_service: %d batches\n", batches);
  return 0;
}

static int run_sleep(const char* dir) {
  char cache[4096];
  snprintf(cache, sizeof(cache), "%s/cache.db", dir);
  int fds[2];
  open_cache_file(cache); /* @line:run_sleep->open_cache_file */
  open_cache_file(cache);
  make_notify_pipe(fds); /* @line:run_sleep->make_notify_pipe */
  printf("ready\n");
  fflush(stdout);
  for (int i = 0; i < 600; ++i) usleep(100 * 1000);
  return 0;
}

static int run_close_all_then_sleep(const char* dir) {
  long max = sysconf(_SC_OPEN_MAX);
  for (long fd = 3; fd < max; ++fd) close((int)fd);
  return run_sleep(dir);
}

static int run_files(const char* path, int n, int pipes) {
  int fds[2];
  for (int i = 0; i < n; ++i) open_cache_file(path);
  for (int i = 0; i < pipes; ++i) make_notify_pipe(fds);
  printf("leaky_service: %d files, %d pipes\n", n, pipes);
  return 0;
}

static int run_chatter(int n) {
  for (int i = 0; i < n; ++i) printf("line %d: the quick brown fox jumps over the lazy dog\n", i);
  return 0;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "golden") && argc == 3) return run_golden(argv[2]); /* @line:main->run_golden */
  if (!strcmp(mode, "exit") && argc == 3) return run_exit(atoi(argv[2]));
  if (!strcmp(mode, "leak-exit") && argc == 3) return run_leak_exit(atoi(argv[2])); /* @line:main->run_leak_exit */
  if (!strcmp(mode, "sigterm") && argc == 2) return run_sigterm();
  if (!strcmp(mode, "grow") && (argc == 4 || argc == 5)) return run_grow(argv[2], atoi(argv[3]), argc == 5 ? atoi(argv[4]) : 0); /* @line:main->run_grow */
  if (!strcmp(mode, "sleep") && argc == 3) return run_sleep(argv[2]); /* @line:main->run_sleep */
  if (!strcmp(mode, "close-all-then-sleep") && argc == 3) return run_close_all_then_sleep(argv[2]);
  if (!strcmp(mode, "files") && argc == 5) return run_files(argv[2], atoi(argv[3]), atoi(argv[4]));
  if (!strcmp(mode, "chatter") && argc == 3) return run_chatter(atoi(argv[2]));
  fprintf(stderr, "usage: leaky_service golden|exit|leak-exit|sigterm|grow|sleep|close-all-then-sleep|files|chatter ...\n");
  return 2;
}
