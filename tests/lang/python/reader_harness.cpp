// A preload library made of the CPython frame reader alone (no fdscope
// core), for what the whole library cannot show: the exact stack a capture
// returns at a chosen line, captures from a signal handler interrupting the
// interpreter anywhere, and a wrong layout failing safely.
//
// - open("/fdscope-probe/TAG") (any open variant) captures the calling
//   thread's stack and writes `probe TAG {"frames": [[function, file,
//   line], ...]}` to stderr, then fails with ENOENT.
// - FDSCOPE_HARNESS_SIGPROF_US=N: a SIGPROF every N us of CPU time runs a
//   capture in the signal handler, on whichever thread it interrupts; at
//   exit `stress {...}` reports how many there were, how many had frames,
//   how many frames were not valid UTF-8 with a line >= 0, and how many
//   changed errno.
// The interning functions of fdscope_lang.h are stubs here: they check
// each frame and keep it, for probes to print.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>

#include "fdscope_lang.h"
#include "lang/python/python_frames.h"

namespace {

constexpr char kProbe[] = "/fdscope-probe/";
constexpr unsigned kMaxFrames = 8192;

// The interned frames: id i is g_table[i - 1]; ids are handed out once.
struct Frame {
  char function[256];
  char file[768];
  int line;
};
Frame g_table[kMaxFrames];
std::atomic<unsigned> g_nframes{0};
uint32_t g_stack[64];  // the last probe's frame ids
unsigned g_depth;
std::atomic<bool> g_recording{false};  // a probe is capturing (one thread at a time)

std::atomic<unsigned long> g_captures{0}, g_with_frames{0}, g_invalid{0}, g_errno_changed{0},
    g_frames{0};

bool valid_utf8(const char* s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (!k || i + k > n) return false;
    for (size_t j = 1; j < k; ++j)
      if ((static_cast<unsigned char>(s[i + j]) & 0xC0) != 0x80) return false;
    i += k;
  }
  return true;
}

void put(const char* s) { (void)!write(2, s, strlen(s)); }

// s as a JSON string (the names are valid UTF-8; escape quotes, backslashes
// and control characters).
void put_json(const char* s) {
  char out[2 * 1024 + 8];
  size_t k = 0;
  out[k++] = '"';
  for (; *s && k < sizeof out - 8; ++s) {
    unsigned char c = *s;
    if (c == '"' || c == '\\') out[k++] = '\\', out[k++] = char(c);
    else if (c < 0x20) k += snprintf(out + k, 7, "\\u%04x", c);
    else out[k++] = char(c);
  }
  out[k++] = '"';
  out[k] = 0;
  put(out);
}

void probe(const char* tag) {
  g_depth = 0;
  g_recording = true;
  uint32_t id = fdscope::lang::python_capture();
  g_recording = false;
  put("probe ");
  put(tag);
  put(" {\"stack\": ");
  char num[32];
  snprintf(num, sizeof num, "%u", id);
  put(num);
  put(", \"frames\": [");
  for (unsigned i = 0; id && i < g_depth; ++i) {
    const Frame& f = g_table[g_stack[i] - 1];
    put(i ? ", [" : "[");
    put_json(f.function);
    put(", ");
    put_json(f.file);
    snprintf(num, sizeof num, ", %d]", f.line);
    put(num);
  }
  put("]}\n");
}

void on_sigprof(int) {
  int saved = errno;
  errno = 4242;
  uint32_t id = fdscope::lang::python_capture();
  if (errno != 4242) g_errno_changed++;
  g_captures++;
  if (id) g_with_frames++;
  errno = saved;
}

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

bool is_probe(const char* path) {
  if (!path || strncmp(path, kProbe, sizeof kProbe - 1) != 0) return false;
  probe(path + sizeof kProbe - 1);
  errno = ENOENT;
  return true;
}

mode_t mode_of(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? mode_t(va_arg(ap, int)) : 0;
}

__attribute__((constructor)) void start() {
  fdscope::lang::python_init();
  if (const char* us = getenv("FDSCOPE_HARNESS_SIGPROF_US")) {
    struct sigaction sa = {};
    sa.sa_handler = on_sigprof;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGPROF, &sa, nullptr);
    long n = atol(us);
    struct itimerval it = {{0, n}, {0, n}};
    setitimer(ITIMER_PROF, &it, nullptr);
  }
}

__attribute__((destructor)) void finish() {
  if (!getenv("FDSCOPE_HARNESS_SIGPROF_US")) return;
  struct itimerval off = {};
  setitimer(ITIMER_PROF, &off, nullptr);
  char line[256];
  snprintf(line, sizeof line,
           "stress {\"captures\": %lu, \"with_frames\": %lu, \"frames\": %lu, \"invalid\": %lu, "
           "\"errno_changed\": %lu}\n",
           g_captures.load(), g_with_frames.load(), g_frames.load(), g_invalid.load(),
           g_errno_changed.load());
  put(line);
}

}  // namespace

extern "C" {

uint32_t fdscope_lang_frame(enum fdscope_lang lang, const char* function, size_t function_len,
                            const char* file, size_t file_len, int line, int) {
  g_frames++;
  if (lang != FDSCOPE_LANG_PYTHON || !valid_utf8(function, function_len) ||
      !valid_utf8(file, file_len) || line < 0 || !function_len || !file_len)
    g_invalid++;
  unsigned i = g_nframes.fetch_add(1);
  if (i >= kMaxFrames) return 0;
  Frame& f = g_table[i];
  size_t n = function_len < 255 ? function_len : 255, m = file_len < 767 ? file_len : 767;
  memcpy(f.function, function, n), f.function[n] = 0;
  memcpy(f.file, file, m), f.file[m] = 0;
  f.line = line;
  return i + 1;
}

uint32_t fdscope_lang_stack(const uint32_t* ids, unsigned n) {
  if (g_recording) {
    g_depth = n < 64 ? n : 64;
    memcpy(g_stack, ids, g_depth * sizeof *ids);
  }
  return n;
}

#define OPEN_HOOK(name)                                    \
  int name(const char* path, int flags, ...) {             \
    va_list ap;                                            \
    va_start(ap, flags);                                   \
    mode_t mode = mode_of(flags, ap);                      \
    va_end(ap);                                            \
    if (is_probe(path)) return -1;                         \
    return next<int (*)(const char*, int, ...)>(#name)(path, flags, mode); \
  }
OPEN_HOOK(open)
OPEN_HOOK(open64)

#define OPENAT_HOOK(name)                                         \
  int name(int dir, const char* path, int flags, ...) {           \
    va_list ap;                                                   \
    va_start(ap, flags);                                          \
    mode_t mode = mode_of(flags, ap);                             \
    va_end(ap);                                                   \
    if (is_probe(path)) return -1;                                \
    return next<int (*)(int, const char*, int, ...)>(#name)(dir, path, flags, mode); \
  }
OPENAT_HOOK(openat)
OPENAT_HOOK(openat64)

}  // extern "C"
