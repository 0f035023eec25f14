// SPDX-License-Identifier: MIT
#include "dump/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "platform/reserve_fd.h"
#include "platform/sys.h"
#include "fdscope_common/output_name.h"

namespace fdscope {
namespace {

char g_tmpdir[kPathMax] = "/tmp";
char g_chosen[kPathMax];  // this process's dump file, once created
int g_chosen_pid;

void expand(const char* tmpl, char* out, unsigned cap) {
  common::expand_output_name(tmpl, sys::getpid(), sys::realtime_ns() / 1000000000u, out, cap);
}

// strlcpy: dst always ends up NUL-terminated.
void copy_bounded(char* dst, size_t cap, const char* src) {
  size_t n = strnlen(src, cap - 1);
  memcpy(dst, src, n);
  dst[n] = 0;
}

constexpr int kAppend = O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;

}  // namespace

void output_init() {
  const char* t = getenv("TMPDIR");
  if (t && *t && strlen(t) < kPathMax - 64) {
    memcpy(g_tmpdir, t, strlen(t) + 1);
  }
}

void output_after_fork() { g_chosen[0] = 0; }
void output_restart() { g_chosen[0] = 0; }

int output_open(const char* override_path, bool* close_after, char* path_out, unsigned cap) {
  *close_after = true;
  const char* tmpl = override_path && *override_path ? override_path : options().output;
  char defaults[kPathMax];
  if (!*tmpl) {
    common::default_output_template(g_tmpdir, defaults, sizeof(defaults));
    tmpl = defaults;
  }
  if (strcmp(tmpl, "stderr") == 0) {
    *close_after = false;
    copy_bounded(path_out, cap, "stderr");
    return 2;
  }
  // Explicit paths given for one dump (the API) are the caller's to manage.
  if (override_path && *override_path) {
    expand(tmpl, path_out, cap);
    return (int)open_with_reserve(
        [&] { return sys::ops.openat(AT_FDCWD, path_out, kAppend | O_CREAT, 0600); });
  }

  int pid = sys::getpid();
  if (g_chosen[0] && g_chosen_pid == pid) {
    long fd = open_with_reserve([] { return sys::ops.openat(AT_FDCWD, g_chosen, kAppend, 0); });
    if (fd != -ENOENT) {
      copy_bounded(path_out, cap, g_chosen);
      return (int)fd;
    }
    // Deleted since the last dump: create it again below.
  }
  char base[kPathMax];
  expand(tmpl, base, sizeof(base));
  const size_t base_len = strlen(base);
  for (int attempt = 0; attempt < common::kOutputAttempts; ++attempt) {
    char name[kPathMax + 8];
    memcpy(name, base, base_len + 1);
    common::add_output_suffix(name, base_len, sizeof(name), attempt);
    // The name is the caller's to show, whether or not it can be created.
    copy_bounded(path_out, cap, name);
    long fd = open_with_reserve(
        [&] { return sys::ops.openat(AT_FDCWD, name, kAppend | O_CREAT | O_EXCL, 0600); });
    if (fd == -EEXIST && attempt == 0) {
      // A device or FIFO named on purpose (/dev/stderr, /dev/full, a pipe
      // to a collector) is written to; an existing regular file is not.
      long dev = sys::ops.openat(AT_FDCWD, name, kAppend | O_NONBLOCK, 0);
      struct stat st{};
      if (dev >= 0 && sys::ops.fstat((int)dev, &st) == 0 && !S_ISREG(st.st_mode)) return (int)dev;
      if (dev >= 0) sys::ops.close((int)dev);
    }
    if (fd == -EEXIST) continue;
    if (fd >= 0) {
      copy_bounded(g_chosen, sizeof(g_chosen), name);
      g_chosen_pid = pid;
    }
    return (int)fd;
  }
  return -EEXIST;
}

}  // namespace fdscope
