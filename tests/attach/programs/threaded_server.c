// SPDX-License-Identifier: MIT
// A server whose threads sit blocked in system calls when fdscope attaches:
// the main thread in accept() (accept_loop), one worker per connection in
// read() (serve), and an idle thread in a condition wait. A system call
// that fails with EINTR is counted, and the program exits 99 at once: an
// attach must restart them, as after any stop.
//
// Protocol, one line per request: "ping" -> "pong N" (N: requests served
// so far); "quit" -> the program prints "served N eintr E" and exits 0.
// It prints "port P" when it listens (127.0.0.1, an ephemeral port).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_never = PTHREAD_COND_INITIALIZER;
static int g_served;

static void eintr(const char* where) {
  printf("EINTR in %s\n", where);
  fflush(stdout);
  _exit(99);
}

static void* idle(void* arg) {
  (void)arg;
  pthread_mutex_lock(&g_lock);
  for (;;) pthread_cond_wait(&g_never, &g_lock);
  return NULL;
}

// One connection: its lines, until EOF or "quit". The descriptor is kept
// open afterwards (the leak the report shows).
__attribute__((noinline)) static void* serve(void* arg) {
  int fd = (int)(long)arg;
  char line[128];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(fd, line + have, sizeof(line) - 1 - have);
    if (n < 0 && errno == EINTR) eintr("read");
    if (n <= 0) return NULL;
    have += (size_t)n;
    char* nl;
    while ((nl = memchr(line, '\n', have))) {
      *nl = 0;
      if (!strcmp(line, "quit")) {
        pthread_mutex_lock(&g_lock);
        printf("served %d eintr 0\n", g_served);
        fflush(stdout);
        _exit(0);
      }
      char reply[64];
      pthread_mutex_lock(&g_lock);
      int len = snprintf(reply, sizeof(reply), "pong %d\n", ++g_served);
      pthread_mutex_unlock(&g_lock);
      if (write(fd, reply, (size_t)len) != len) return NULL;
      have -= (size_t)(nl + 1 - line);
      memmove(line, nl + 1, have);
    }
  }
}

__attribute__((noinline)) static int accept_one(int listener) {
  for (;;) {
    int fd = accept(listener, NULL, NULL);
    if (fd >= 0) return fd;
    if (errno == EINTR) eintr("accept");
    if (errno != ECONNABORTED) return -1;
  }
}

__attribute__((noinline)) static void accept_loop(int listener) {
  for (;;) {
    int fd = accept_one(listener);
    if (fd < 0) exit(2);
    pthread_t t;
    pthread_create(&t, NULL, serve, (void*)(long)fd);
    pthread_detach(t);
  }
}

int main(void) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (bind(listener, (struct sockaddr*)&a, sizeof(a)) != 0 || listen(listener, 16) != 0 ||
      getsockname(listener, (struct sockaddr*)&a, &len) != 0)
    return 2;
  pthread_t t;
  pthread_create(&t, NULL, idle, NULL);
  printf("port %d\n", ntohs(a.sin_port));
  fflush(stdout);
  accept_loop(listener);
  return 0;
}
