/* A program that leaks descriptors at known functions, step by step, for
 * the trigger tests (threshold, EMFILE, write failures, at_exit):
 *
 *   leak_program DIR STEP...
 *     listen       start_db_listener: a TCP listener on 127.0.0.1 (kept)
 *     sockets:K    K x leak_socket_to_db: connect to the listener, leak
 *     files:K      K x open_log_file: open DIR/app.log, leak
 *     fill         open_log_file until it fails; prints the count and errno
 *     retry:K      K more open_log_file attempts (expected to fail)
 *     close:K      release_some: close the last K descriptors opened
 *     fill-exact   count the free descriptors with raw system calls (out of
 *                  the library's sight), then open_log_file exactly that many
 *     getaddrinfo  resolve "localhost"; prints rc and errno
 *     getpwnam     look up "root"; prints whether found and errno
 *     request:K    K x fdscope_dump(NULL) (looked up with dlsym), as a
 *                  program asking for dumps itself does
 *     closeall     close every descriptor above 2 (closefrom), as a
 *                  daemon does at start-up; forgets what it opened
 *     exec         exec leak_program DIR with the steps after this one
 *     rlimit:N     set the soft RLIMIT_NOFILE to N
 *     nobody       drop privileges to nobody (setgroups, setgid, setuid
 *                  65534), as a server's worker does after start-up
 *     vfork:N      N x vfork + exec of /bin/true from this thread while a
 *                  second thread opens and closes; prints how many exited 0
 *     say:TEXT     print TEXT on stdout
 *     wait         read a line from stdin (the test acts meanwhile)
 *
 * Every step reports on stdout with write(2) (unbuffered: an abort loses
 * nothing), one line each. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_log_path[4096];
static int g_opened[100000];
static int g_nopened;
static int g_port;

static void say(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
  va_end(ap);
  buf[n++] = '\n';
  if (write(1, buf, (size_t)n) < 0) _exit(99);
}

__attribute__((noinline)) int open_log_file(void) {
  int fd = open(g_log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) g_opened[g_nopened++] = fd;
  return fd;
}

__attribute__((noinline)) int start_db_listener(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(a);
  if (fd < 0 || bind(fd, (struct sockaddr*)&a, len) != 0 || listen(fd, 4096) != 0 ||
      getsockname(fd, (struct sockaddr*)&a, &len) != 0) {
    say("listen failed: %s", strerror(errno));
    exit(3);
  }
  g_port = ntohs(a.sin_port);
  return fd;
}

__attribute__((noinline)) int leak_socket_to_db(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd < 0 || connect(fd, (struct sockaddr*)&a, sizeof(a)) != 0) {
    say("connect failed: %s", strerror(errno));
    exit(3);
  }
  g_opened[g_nopened++] = fd;
  return fd;
}

__attribute__((noinline)) void release_some(int k) {
  for (int i = 0; i < k && g_nopened > 0; ++i) close(g_opened[--g_nopened]);
}

/* Free descriptor slots, counted without the library seeing anything. */
static int count_free_raw(void) {
  static int fds[100000];
  int n = 0;
  for (;;) {
    long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    fds[n++] = (int)fd;
  }
  for (int i = 0; i < n; ++i) syscall(SYS_close, fds[i]);
  return n;
}

static int g_churn_stop;  /* atomic: read by the churning thread */
static void* churn(void* arg) {
  (void)arg;
  while (!__atomic_load_n(&g_churn_stop, __ATOMIC_RELAXED)) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
  }
  return NULL;
}

static int vfork_storm(int n) {
  pthread_t t;
  pthread_create(&t, NULL, churn, NULL);
  int ok = 0;
  for (int j = 0; j < n; ++j) {
    pid_t pid = vfork();
    if (pid == 0) {
      execl("/bin/true", "true", (char*)NULL);
      _exit(127);
    }
    int st = 0;
    if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) ++ok;
  }
  __atomic_store_n(&g_churn_stop, 1, __ATOMIC_RELAXED);
  pthread_join(t, NULL);
  return ok;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  snprintf(g_log_path, sizeof(g_log_path), "%s/app.log", argv[1]);
  for (int i = 2; i < argc; ++i) {
    const char* s = argv[i];
    int k = strchr(s, ':') ? atoi(strchr(s, ':') + 1) : 0;
    if (strcmp(s, "listen") == 0) {
      int fd = start_db_listener();
      say("listen fd=%d port=%d", fd, g_port);
    } else if (strncmp(s, "sockets:", 8) == 0) {
      for (int j = 0; j < k; ++j) say("socket fd=%d", leak_socket_to_db());
    } else if (strncmp(s, "files:", 6) == 0) {
      for (int j = 0; j < k; ++j) {
        int fd = open_log_file();
        if (fd < 0) {
          say("file failed: %s", strerror(errno));
          return 4;
        }
        say("file fd=%d", fd);
      }
    } else if (strcmp(s, "fill") == 0) {
      int n = 0, fd;
      while ((fd = open_log_file()) >= 0) ++n;
      int err = errno;
      say("filled %d rc=%d errno=%s", n, fd, err == EMFILE ? "EMFILE" : strerror(err));
    } else if (strncmp(s, "retry:", 6) == 0) {
      for (int j = 0; j < k; ++j) {
        errno = 0;
        int fd = open_log_file();
        int err = errno;
        say("retry rc=%d errno=%s", fd, err == EMFILE ? "EMFILE" : strerror(err));
      }
    } else if (strncmp(s, "close:", 6) == 0) {
      release_some(k);
      say("closed %d, %d open", k, g_nopened);
    } else if (strcmp(s, "fill-exact") == 0) {
      int n = count_free_raw();
      for (int j = 0; j < n; ++j)
        if (open_log_file() < 0) {
          say("fill-exact failed at %d: %s", j, strerror(errno));
          return 4;
        }
      say("filled-exact %d", n);
    } else if (strcmp(s, "getaddrinfo") == 0) {
      struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
      struct addrinfo* res = NULL;
      errno = 0;
      int rc = getaddrinfo("localhost", "80", &hints, &res);
      int err = errno;
      say("getaddrinfo rc=%s errno=%s", rc == 0 ? "0" : rc == EAI_SYSTEM ? "EAI_SYSTEM" : gai_strerror(rc),
          rc != EAI_SYSTEM ? "-" : err == EMFILE ? "EMFILE" : strerror(err));
      if (res) freeaddrinfo(res);
    } else if (strcmp(s, "getpwnam") == 0) {
      errno = 0;
      struct passwd* pw = getpwnam("root");
      int err = errno;
      say("getpwnam %s errno=%s", pw ? "found" : "null", err == EMFILE ? "EMFILE" : strerror(err));
    } else if (strcmp(s, "wait") == 0) {
      char c;
      while (read(0, &c, 1) == 1 && c != '\n') {
      }
      say("resumed");
    } else if (strncmp(s, "request:", 8) == 0) {
      int (*dump)(const char*) = (int (*)(const char*))dlsym(RTLD_DEFAULT, "fdscope_dump");
      for (int j = 0; j < k; ++j) say("request rc=%d", dump ? dump(NULL) : -2);
    } else if (strcmp(s, "closeall") == 0) {
      closefrom(3);
      g_nopened = 0;
      say("closed all");
    } else if (strcmp(s, "exec") == 0) {
      char* args[256];
      int n = 0;
      args[n++] = argv[0];
      args[n++] = argv[1];
      for (int j = i + 1; j < argc && n < 255; ++j) args[n++] = argv[j];
      args[n] = NULL;
      execv("/proc/self/exe", args);
      say("exec failed: %s", strerror(errno));
      return 5;
    } else if (strncmp(s, "rlimit:", 7) == 0) {
      struct rlimit lim;
      getrlimit(RLIMIT_NOFILE, &lim);
      lim.rlim_cur = (rlim_t)k;
      say("rlimit %d rc=%d", k, setrlimit(RLIMIT_NOFILE, &lim));
    } else if (strcmp(s, "nobody") == 0) {
      int rc = setgroups(0, NULL) || setgid(65534) || setuid(65534) ? -1 : 0;
      say("nobody rc=%d", rc);
    } else if (strncmp(s, "vfork:", 6) == 0) {
      say("vfork %d ok %d", k, vfork_storm(k));
    } else if (strncmp(s, "say:", 4) == 0) {
      say("%s", s + 4);
    } else {
      say("unknown step %s", s);
      return 2;
    }
  }
  return 0;
}
