/* Four threads open and close /dev/null in a loop (churn_worker) while the
 * test sends SIGUSR2 as fast as it can; main leaks five descriptors in
 * open_log_file first. Prints "ready" once the workers run, and stops them
 * when stdin reaches end of file. Prints "done opens=N" at the end. Main
 * blocks the signal once they run, so that it interrupts them.
 * With a second argument PATH, a fifth thread asks for dumps to PATH
 * (fdscope_dump) all the while, so that signals also arrive during dumps
 * (its own and other threads'); then "requested=N" follows, the dumps the
 * library wrote (the others found a dump under way). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int g_stop;
static atomic_long g_opens;
static char g_path[4096];

__attribute__((noinline)) int open_log_file(void) { return open(g_path, O_WRONLY | O_CREAT | O_APPEND, 0644); }

__attribute__((noinline)) static void* churn_worker(void* arg) {
  (void)arg;
  while (!atomic_load(&g_stop)) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0) {
      perror("open");
      _exit(5);
    }
    atomic_fetch_add(&g_opens, 1);
    if (close(fd) != 0) {
      perror("close");
      _exit(6);
    }
  }
  return NULL;
}

static const char* g_request_path;
static atomic_long g_requested;

__attribute__((noinline)) static void* request_dumps(void* arg) {
  int (*dump)(const char*) = (int (*)(const char*))arg;
  /* A pause between dumps leaves the signals room for theirs. */
  const struct timespec pause = {0, 5 * 1000 * 1000};
  while (!atomic_load(&g_stop)) {
    if (dump(g_request_path) == 0) atomic_fetch_add(&g_requested, 1);
    nanosleep(&pause, NULL);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) return 2;
  g_request_path = argc == 3 ? argv[2] : NULL;
  snprintf(g_path, sizeof(g_path), "%s/app.log", argv[1]);
  for (int i = 0; i < 5; ++i)
    if (open_log_file() < 0) return 3;
  pthread_t t[4];
  for (int i = 0; i < 4; ++i)
    if (pthread_create(&t[i], NULL, churn_worker, NULL) != 0) return 4;
  pthread_t requester;
  if (g_request_path) {
    void* dump = dlsym(RTLD_DEFAULT, "fdscope_dump");
    if (!dump || pthread_create(&requester, NULL, request_dumps, dump) != 0) return 8;
  }
  /* From now on the signal lands in a thread that is opening, closing or
   * dumping, never in main's read: that is the storm this is for (and
   * ThreadSanitizer, which holds a signal until the thread's next
   * intercepted call, would answer main's only when its read returns). */
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  if (pthread_sigmask(SIG_BLOCK, &usr2, NULL) != 0) return 9;
  if (write(1, "ready\n", 6) != 6) return 7;
  char buf[64];
  while (read(0, buf, sizeof(buf)) > 0) {
  }
  atomic_store(&g_stop, 1);
  for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
  if (g_request_path) pthread_join(requester, NULL);
  char line[96];
  int n = snprintf(line, sizeof(line), "done opens=%ld\n", atomic_load(&g_opens));
  if (g_request_path)
    n += snprintf(line + n, sizeof(line) - n, "requested=%ld\n", atomic_load(&g_requested));
  return write(1, line, (size_t)n) == n ? 0 : 7;
}
