// A small program the lifecycle tests run under the shim (exec'd with
// LD_PRELOAD and FDSCOPE_OPTIONS in its environment). Each mode does one
// scenario and prints what the test needs to check the dumps it produced.
// Built -O0 with frame pointers: the helper_* functions show in stacks.
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "raw_fd_scan.h"

namespace {

// The shim's own descriptors, which dumps leave out (none without it).
bool is_shim_own(int fd) {
  using OwnFn = int (*)(int*, int);
  auto fn = reinterpret_cast<OwnFn>(dlsym(RTLD_DEFAULT, "fdscope_own_fds"));
  int own[16];
  int n = fn ? fn(own, 16) : 0;
  for (int i = 0; i < n && i < 16; ++i)
    if (own[i] == fd) return true;
  return false;
}

// /proc/self/fd with raw system calls (nothing the shim sees), less the
// shim's own descriptors.
void print_fds(const char* word) {
  char line[8192];
  int len = snprintf(line, sizeof(line), "%s", word);
  lifecycle::raw_scan_fds([&](int fd) {
    if (!is_shim_own(fd)) len += snprintf(line + len, sizeof(line) - len, " %d", fd);
  });
  dprintf(1, "%s\n", line);
}

int dump_to(const char* path) {
  using DumpFn = int (*)(const char*);
  auto fn = reinterpret_cast<DumpFn>(dlsym(RTLD_DEFAULT, "fdscope_dump"));
  return fn ? fn(path) : -2;
}

__attribute__((noinline)) int helper_open_after_exec() { return open("/dev/null", O_RDONLY); }
__attribute__((noinline)) int helper_open_before_fork() { return open("/dev/null", O_RDONLY); }
__attribute__((noinline)) int helper_open_in_child() { return open("/dev/null", O_WRONLY); }
__attribute__((noinline)) int helper_open_before_signal() { return open("/dev/null", O_RDONLY); }

// exec-dump PATH: a fresh image dumps itself (inherited descriptors are
// untracked) and lists its descriptors.
int exec_dump(const char* path) {
  int fd = helper_open_after_exec();
  const char* preload = getenv("LD_PRELOAD");
  dprintf(1, "preload %s\n", preload && strstr(preload, "libfdscope") ? "yes" : "no");
  dprintf(1, "opened %d\n", fd);
  int r = dump_to(path);
  print_fds("fds");
  return r == 0 ? 0 : 1;
}

// fork-exit: the child keeps the parent's table and exits with 3; both
// write their own at-exit dump.
int fork_exit() {
  int x = helper_open_before_fork();
  pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    int y = helper_open_in_child();
    dprintf(1, "child %d %d %d\n", (int)getpid(), (int)getppid(), y);
    exit(3);
  }
  int status = 0;
  waitpid(child, &status, 0);
  dprintf(1, "parent %d %d %d %d\n", (int)getpid(), x, (int)child,
          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}

volatile sig_atomic_t g_handled = 0;
void own_handler(int) { g_handled = g_handled + 1; }

// raise SIGNUM: the shim's handler dumps; the program carries on.
int raise_signal(int sig) {
  int fd = helper_open_before_signal();
  dprintf(1, "opened %d\n", fd);
  raise(sig);
  print_fds("fds");
  dprintf(1, "alive\n");
  return 0;
}

// own-handler: a handler installed by the program replaces the shim's.
int own_handler_mode() {
  struct sigaction sa{};
  sa.sa_handler = own_handler;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGUSR2, &sa, nullptr) != 0) return 1;
  raise(SIGUSR2);
  raise(SIGUSR2);
  dprintf(1, "handled %d\n", (int)g_handled);
  return 0;
}

// emfile: errno of creating calls at the descriptor limit.
int emfile() {
  struct rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  struct rlimit low = lim;
  low.rlim_cur = 32;
  if (setrlimit(RLIMIT_NOFILE, &low) != 0) return 1;
  int fds[64];
  int n = 0;
  int open_errno = 0;
  while (n < 64) {
    errno = 1234;
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0) {
      open_errno = errno;
      break;
    }
    if (errno != 1234) return 2;  // success must not touch errno
    fds[n++] = fd;
  }
  int sv[2];
  errno = 0;
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int socket_errno = s < 0 ? errno : 0;
  errno = 0;
  int p = pipe(sv);
  int pipe_errno = p < 0 ? errno : 0;
  errno = 0;
  FILE* f = fopen("/dev/null", "r");
  int fopen_errno = f ? 0 : errno;
  errno = 0;
  DIR* d = opendir("/");
  int opendir_errno = d ? 0 : errno;
  errno = 0;
  int dup_fd = dup(0);
  int dup_errno = dup_fd < 0 ? errno : 0;
  dprintf(1, "errnos %d %d %d %d %d %d\n", open_errno, socket_errno, pipe_errno, fopen_errno,
          opendir_errno, dup_errno);
  for (int i = 0; i < n; ++i) close(fds[i]);
  setrlimit(RLIMIT_NOFILE, &lim);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 100;
  if (strcmp(argv[1], "exec-dump") == 0 && argc == 3) return exec_dump(argv[2]);
  if (strcmp(argv[1], "fork-exit") == 0) return fork_exit();
  if (strcmp(argv[1], "raise") == 0 && argc == 3) return raise_signal(atoi(argv[2]));
  if (strcmp(argv[1], "own-handler") == 0) return own_handler_mode();
  if (strcmp(argv[1], "emfile") == 0) return emfile();
  return 100;
}
