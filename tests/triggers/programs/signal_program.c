/* Leaks two descriptors in open_log_file, sets up SIGUSR2 as MODE says,
 * raises SIGUSR2 and reports what it saw:
 *
 *   signal_program DIR MODE
 *     untouched      leaves the disposition alone
 *     signal-dfl     signal(SIGUSR2, SIG_DFL), as a program resetting its
 *                    signals at start-up does
 *     sigaction-dfl  sigaction(SIGUSR2, {SIG_DFL}) and reports the
 *                    disposition sigaction then returns as the old one
 *     own-handler    installs its own handler, which counts calls
 *
 * Prints "disposition default|handler|other" (what the program believes is
 * installed), then "alive handler_calls=N" after the signal. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t g_calls;
static char g_path[4096];

static void say(const char* s) {
  if (write(1, s, strlen(s)) < 0) _exit(99);
}

__attribute__((noinline)) int open_log_file(void) { return open(g_path, O_WRONLY | O_CREAT | O_APPEND, 0644); }

static void own_handler(int sig) {
  (void)sig;
  ++g_calls;
}

static const char* believed(void) {
  struct sigaction cur;
  memset(&cur, 0xa5, sizeof(cur));  /* not a default: sigaction must fill it */
  if (sigaction(SIGUSR2, NULL, &cur) != 0) return "error";
  if (cur.sa_flags & SA_SIGINFO) return "other";
  if (cur.sa_handler == SIG_DFL) return "default";
  if (cur.sa_handler == own_handler) return "handler";
  return "other";
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  snprintf(g_path, sizeof(g_path), "%s/app.log", argv[1]);
  if (open_log_file() < 0 || open_log_file() < 0) return 3;
  const char* mode = argv[2];
  if (strcmp(mode, "signal-dfl") == 0) {
    if (signal(SIGUSR2, SIG_DFL) == SIG_ERR) return 4;
  } else if (strcmp(mode, "sigaction-dfl") == 0) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    memset(&old, 0xa5, sizeof(old));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR2, &sa, &old) != 0) return 4;
    /* The old action the program is told about is the default too. */
    say(!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL ? "old default\n" : "old other\n");
  } else if (strcmp(mode, "own-handler") == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = own_handler;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR2, &sa, NULL) != 0) return 4;
  } else if (strcmp(mode, "untouched") != 0) {
    return 2;
  }
  char line[128];
  snprintf(line, sizeof(line), "disposition %s\n", believed());
  say(line);
  raise(SIGUSR2);
  snprintf(line, sizeof(line), "alive handler_calls=%d\n", (int)g_calls);
  say(line);
  return 0;
}
