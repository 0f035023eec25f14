#include "process_info.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "../options.h"
#include "../raw_syscall.h"
#include "../sys.h"
#include "../text.h"

namespace fdscope {
namespace {

struct EnvField {
  const char* var;
  const char* key;
  char value[256];
};
EnvField g_env[] = {
    {"AWS_LAMBDA_FUNCTION_NAME", "lambda_function", {}},
    {"AWS_LAMBDA_FUNCTION_VERSION", "lambda_version", {}},
    {"AWS_LAMBDA_LOG_STREAM_NAME", "lambda_log_stream", {}},
};
char g_run_id[17];

void new_run_id() {
  uint64_t r = 0;
  if (raw_syscall(SYS_getrandom, &r, sizeof(r), 0) != (long)sizeof(r))
    r = sys::realtime_ns() ^ ((uint64_t)sys::getpid() << 32);
  for (int i = 15; i >= 0; --i, r >>= 4) g_run_id[i] = "0123456789abcdef"[r & 15];
  g_run_id[16] = 0;
}

}  // namespace

void process_info_init() {
  for (EnvField& f : g_env) {
    const char* v = getenv(f.var);
    if (v) {
      size_t n = strnlen(v, sizeof(f.value) - 1);
      memcpy(f.value, v, n);
      f.value[n] = 0;
    }
  }
  new_run_id();
}

void process_info_after_fork() { new_run_id(); }

const char* run_id() { return g_run_id; }

void write_process_fields(JsonWriter& w) {
  char buf[4096];
  long n = sys::ops.readlinkat(AT_FDCWD, "/proc/self/exe", buf, sizeof(buf) - 1);
  w.key("exe").str(buf, n > 0 ? (size_t)n : 0);

  w.key("argv").raw("[");
  long fd = sys::ops.openat(AT_FDCWD, "/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0);
  bool first = true;
  if (fd >= 0) {
    // Arguments are NUL-separated; one cut by the buffer end is carried over.
    size_t have = 0;
    for (;;) {
      long r = sys::ops.read((int)fd, buf + have, sizeof(buf) - have);
      if (r <= 0) break;
      have += (size_t)r;
      size_t start = 0;
      for (size_t i = 0; i < have; ++i) {
        if (buf[i] != 0) continue;
        if (!first) w.raw(",");
        w.str(buf + start, i - start);
        first = false;
        start = i + 1;
      }
      memmove(buf, buf + start, have - start);
      have -= start;
      if (have == sizeof(buf)) {  // one argument longer than the buffer
        if (!first) w.raw(",");
        w.str(buf, have);
        first = false;
        have = 0;
      }
    }
    sys::ops.close((int)fd);
  }
  w.raw("]");

  struct utsname u{};
  sys::ops.uname(&u);
  w.key("host").str(u.nodename);
  for (const EnvField& f : g_env)
    if (f.value[0]) w.key(f.key).str(f.value);
}

}  // namespace fdscope
