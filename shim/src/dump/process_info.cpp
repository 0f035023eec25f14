// SPDX-License-Identifier: MIT
#include "dump/process_info.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "state/options.h"
#include "platform/raw_syscall.h"
#include "platform/reserve_fd.h"
#include "platform/sys.h"
#include "util/text.h"

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
    if (v) copy_bounded(f.value, v);
  }
  new_run_id();
}

void process_info_after_fork() { new_run_id(); }

const char* run_id() { return g_run_id; }
const char* lambda_function_name() { return g_env[0].value; }

void gather_process_facts(Scratch& scratch, ProcessFacts* f) {
  long n = sys::ops.readlinkat(AT_FDCWD, "/proc/self/exe", f->exe, sizeof(f->exe) - 1);
  f->exe_len = n > 0 ? (size_t)n : 0;
  f->cmdline = nullptr;
  f->cmdline_len = 0;
  constexpr size_t kMax = 256 * 1024;  // longer command lines are cut
  char* buf = scratch.alloc<char>(kMax);
  if (!buf) return;
  long fd = open_with_reserve(
      [] { return sys::ops.openat(AT_FDCWD, "/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0); });
  if (fd < 0) return;
  size_t len = 0;
  for (;;) {
    long r = sys::ops.read((int)fd, buf + len, kMax - len);
    if (r == -EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
    if (len == kMax) break;
  }
  sys::ops.close((int)fd);
  f->cmdline = buf;
  f->cmdline_len = len;
}

void write_process_fields(JsonWriter& w, const ProcessFacts& f) {
  w.key("exe").str(f.exe, f.exe_len);
  w.key("argv").raw("[");
  size_t start = 0;
  bool first = true;
  for (size_t i = 0; i <= f.cmdline_len; ++i) {
    if (i < f.cmdline_len && f.cmdline[i] != 0) continue;
    if (i == f.cmdline_len && start == i) break;  // no unterminated tail
    if (!first) w.raw(",");
    w.str(f.cmdline + start, i - start);
    first = false;
    start = i + 1;
    if (options().redact_argv) break;  // the program's name only
  }
  w.raw("]");
  const Options& o = options();
  if (o.redact_argv || o.redact_paths) {
    w.key("redacted").raw("[");
    if (o.redact_argv) w.str("argv");
    if (o.redact_argv && o.redact_paths) w.raw(",");
    if (o.redact_paths) w.str("paths");
    w.raw("]");
  }

  struct utsname u{};
  sys::ops.uname(&u);
  w.key("host").str(u.nodename);
  for (const EnvField& e : g_env)
    if (e.value[0]) w.key(e.key).str(e.value);
}

}  // namespace fdscope
