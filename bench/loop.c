/* The hot path: a loop creating and releasing descriptors, ~15 frames deep
 * (a recursion before the loop, so a stack capture costs what it does in a
 * real program). Prints nanoseconds per iteration (wall time / iterations,
 * warm-up excluded); with THREADS > 1 each thread runs its own loop of N
 * and the figure is the slowest thread's. bench/loops.sh runs it plain,
 * preloaded and under the peers, alternating (bench/lib/alternate.py).
 *
 *   fdscope-bench-loop KIND [N] [THREADS]     (THREADS also from $BENCH_THREADS)
 *   KIND: open (open+close of /dev/null), socket (socket+close, TCP),
 *         pipe2 (pipe2+close+close), unix (socket+connect, accept4,
 *         close+close over a listening unix socket), dup (dup+close) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { DEPTH = 14 };
static int kind;   /* index into kinds */
static long iterations;
static const char* const kinds[] = {"open", "socket", "pipe2", "unix", "dup"};
static int listener = -1, dup_source = -1;
static struct sockaddr_un unix_addr;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int once(void) {
  int a, b, p[2];
  switch (kind) {
    case 0:
      a = open("/dev/null", O_RDONLY);
      return a < 0 || close(a);
    case 1:
      a = socket(AF_INET, SOCK_STREAM, 0);
      return a < 0 || close(a);
    case 2:
      return pipe2(p, 0) || close(p[0]) || close(p[1]);
    case 3:
      a = socket(AF_UNIX, SOCK_STREAM, 0);
      if (a < 0 || connect(a, (struct sockaddr*)&unix_addr, sizeof unix_addr)) return 1;
      b = accept4(listener, NULL, NULL, 0);
      return b < 0 || close(a) || close(b);
    default:
      a = dup(dup_source);
      return a < 0 || close(a);
  }
}

static double __attribute__((noinline)) run_loop(void) {
  for (long i = 0; i < 10000; ++i)
    if (once()) return -1; /* warm-up */
  double t0 = now_ns();
  for (long i = 0; i < iterations; ++i)
    if (once()) return -1;
  return (now_ns() - t0) / iterations;
}

static double __attribute__((noinline)) deep(int depth) {
  if (depth == 0) return run_loop();
  double r = deep(depth - 1);
  __asm__ volatile("" ::: "memory"); /* a real call chain, not a loop */
  return r;
}

static void* thread_main(void* out) {
  *(double*)out = deep(DEPTH);
  return NULL;
}

int main(int argc, char** argv) {
  kind = -1;
  for (int k = 0; k < 5; ++k)
    if (argc > 1 && strcmp(argv[1], kinds[k]) == 0) kind = k;
  iterations = argc > 2 ? atol(argv[2]) : 1000000;
  const char* env_threads = getenv("BENCH_THREADS");
  int threads = argc > 3 ? atoi(argv[3]) : env_threads ? atoi(env_threads) : 1;
  if (kind < 0 || iterations <= 0 || threads < 1 || threads > 64) {
    fprintf(stderr, "usage: %s open|socket|pipe2|unix|dup [N] [THREADS]\n", argv[0]);
    return 2;
  }
  if (kind == 3) {
    if (threads > 1) { fprintf(stderr, "unix: one thread only\n"); return 2; }
    unix_addr.sun_family = AF_UNIX; /* abstract name: nothing to clean up */
    snprintf(unix_addr.sun_path + 1, sizeof unix_addr.sun_path - 1, "fdscope-bench-%d", getpid());
    listener = socket(AF_UNIX, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr*)&unix_addr, sizeof unix_addr) ||
        listen(listener, 16)) {
      perror("unix listener");
      return 1;
    }
  }
  if (kind == 4) dup_source = open("/dev/null", O_RDONLY);
  double ns[64];
  pthread_t tid[64];
  for (int t = 1; t < threads; ++t) pthread_create(&tid[t], NULL, thread_main, &ns[t]);
  ns[0] = deep(DEPTH);
  double worst = ns[0];
  for (int t = 1; t < threads; ++t) {
    pthread_join(tid[t], NULL);
    if (ns[t] > worst) worst = ns[t];
  }
  for (int t = 0; t < threads; ++t)
    if (ns[t] < 0) { perror(kinds[kind]); return 1; }
  printf("%.1f\n", worst);
  return 0;
}
