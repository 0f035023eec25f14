/* The demo: a small "service" that handles requests and forgets to close
 * what it opens for some of them. Run it under fdscope:
 *   build/bin/fdscope run -- build/bin/fdscope-demo
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Opens the request log and appends a line; the happy path closes it. */
static void log_request(int id) {
  FILE* log = fopen("/tmp/fdscope-demo.log", "a");
  if (!log) return;
  fprintf(log, "request %d\n", id);
  if (id % 10 == 0) return; /* the leak: an early return skips fclose */
  fclose(log);
}

/* "Connects to the database": a socket to a listener on loopback, never
 * closed, as in the Lambda story. */
static int connect_db(const struct sockaddr_in* addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect(fd, (const struct sockaddr*)addr, sizeof(*addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd; /* the leak: nobody closes the connection */
}

int main(void) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listener < 0 || bind(listener, (struct sockaddr*)&addr, sizeof(addr)) != 0 ||
      listen(listener, 64) != 0 || getsockname(listener, (struct sockaddr*)&addr, &len) != 0) {
    perror("demo: cannot listen on loopback");
    return 1;
  }
  for (int id = 1; id <= 50; ++id) {
    log_request(id);
    if (id % 2 == 0) connect_db(&addr);
  }
  printf("demo: handled 50 requests\n");
  return 0; /* the "database" (listener) lives until exit, like a real server */
}
