/* Four threads open and close /dev/null in a loop (churn_worker) while the
 * test sends SIGUSR2 as fast as it can; main leaks five descriptors in
 * open_log_file first. Prints "ready" once the workers run, and stops them
 * when stdin reaches end of file. Prints "done opens=N" at the end. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
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

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  snprintf(g_path, sizeof(g_path), "%s/app.log", argv[1]);
  for (int i = 0; i < 5; ++i)
    if (open_log_file() < 0) return 3;
  pthread_t t[4];
  for (int i = 0; i < 4; ++i)
    if (pthread_create(&t[i], NULL, churn_worker, NULL) != 0) return 4;
  if (write(1, "ready\n", 6) != 6) return 7;
  char buf[64];
  while (read(0, buf, sizeof(buf)) > 0) {
  }
  atomic_store(&g_stop, 1);
  for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
  char line[64];
  int n = snprintf(line, sizeof(line), "done opens=%ld\n", atomic_load(&g_opens));
  return write(1, line, (size_t)n) == n ? 0 : 7;
}
