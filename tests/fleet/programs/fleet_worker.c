// SPDX-License-Identifier: MIT
// One process of the generated fleet (tests/fleet/check_fleet.py): leaks
// descriptors from a few named functions, as many as its arguments say, and
// exits, so that the library's dumps (at_exit, threshold) hold known sites.
//
//   fleet_worker MODE CONFIGS SOCKETS PIPES RELOADS [CHILD_CONFIGS]
//
// open_config() is called from main() and from reload() (two sites with the
// same innermost function: a site is a whole stack). MODE:
//   exit    leak everything, exit(0) (the at_exit dump)
//   close   leak, close the first two descriptors of open_config, leak the
//           reloads, exit(0): with a threshold, the threshold dump and the
//           exit dump differ
//   quick   leak, then _exit(0): no at_exit dump (only a threshold dump,
//           if the threshold was reached)
//   fork    leak, then fork a child that leaks CHILD_CONFIGS more configs
//           and exits (its own dump file); the parent waits and exits
// Built -O0 with frame pointers and no inlining, like the tool tests'
// programs, so that each frame is where the source says.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int first_configs[2] = {-1, -1};
static int configs_opened;

__attribute__((noinline)) static int open_config(void) {
  int fd = open("/etc/hostname", O_RDONLY);
  if (fd < 0) fd = open("/dev/null", O_RDONLY);
  if (configs_opened < 2) first_configs[configs_opened] = fd;
  ++configs_opened;
  return fd;
}

__attribute__((noinline)) static int connect_cache(void) {
  return socket(AF_INET, SOCK_STREAM, 0);  // never connected: no traffic
}

__attribute__((noinline)) static void start_worker(void) {
  int p[2];
  if (pipe(p) != 0) perror("pipe");
}

__attribute__((noinline)) static void reload(int n) {
  for (int i = 0; i < n; ++i) open_config();
}

int main(int argc, char** argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s exit|close|quick|fork CONFIGS SOCKETS PIPES RELOADS [CHILD_CONFIGS]\n", argv[0]);
    return 2;
  }
  const char* mode = argv[1];
  int configs = atoi(argv[2]), sockets = atoi(argv[3]), pipes = atoi(argv[4]);
  int reloads = atoi(argv[5]);
  int child_configs = argc > 6 ? atoi(argv[6]) : 0;

  for (int i = 0; i < configs; ++i) open_config();
  for (int i = 0; i < sockets; ++i) connect_cache();
  for (int i = 0; i < pipes; ++i) start_worker();

  if (strcmp(mode, "close") == 0) {
    for (int i = 0; i < 2; ++i)
      if (first_configs[i] >= 0) close(first_configs[i]);
    reload(reloads);
    exit(0);
  }
  reload(reloads);
  if (strcmp(mode, "quick") == 0) _exit(0);
  if (strcmp(mode, "fork") == 0) {
    pid_t child = fork();
    if (child == 0) {
      reload(child_configs);
      exit(0);
    }
    if (child > 0) waitpid(child, NULL, 0);
  }
  exit(0);
}
