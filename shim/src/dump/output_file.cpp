// SPDX-License-Identifier: MIT
#include "dump/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "platform/reserve_fd.h"
#include "platform/sys.h"
#include "util/text.h"
#include "fdscope_common/output_name.h"

namespace fdscope {
namespace {

char g_tmpdir[kPathMax] = "/tmp";
char g_chosen[kPathMax];  // this process's dump file, once created
int g_chosen_pid;
// When g_chosen is the fallback: the refused file and its -errno.
char g_refused[kPathMax];
int g_refused_error;

void expand(const char* tmpl, char* out, unsigned cap) {
  common::expand_output_name(tmpl, sys::getpid(), sys::realtime_ns() / 1000000000u, out, cap);
}

constexpr int kAppend = O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;

}  // namespace

void output_init() {
  const char* t = getenv("TMPDIR");
  if (t && *t && strlen(t) < kPathMax - 64) {
    memcpy(g_tmpdir, t, strlen(t) + 1);
  }
}

void output_after_fork() {
  g_chosen[0] = 0;
  g_refused[0] = 0;
  g_refused_error = 0;
}
void output_restart() { g_chosen[0] = 0; }

namespace {

bool is_refusal(long err) { return err == -EACCES || err == -EPERM || err == -EROFS; }

// Creates a new file for this process from base (".N" appended while the
// name exists) and makes it the process's file. path_out receives the name
// tried last.
long create_own_file(const char* base, bool probe_devices, char* path_out, unsigned cap) {
  const size_t base_len = strlen(base);
  for (int attempt = 0; attempt < common::kOutputAttempts; ++attempt) {
    char name[kPathMax + 8];
    memcpy(name, base, base_len + 1);
    common::add_output_suffix(name, base_len, sizeof(name), attempt);
    // The name is the caller's to show, whether or not it can be created.
    copy_bounded(path_out, cap, name);
    long fd = open_with_reserve(
        [&] { return sys::ops.openat(AT_FDCWD, name, kAppend | O_CREAT | O_EXCL, 0600); });
    if (fd == -EEXIST && attempt == 0 && probe_devices) {
      // A device or FIFO named on purpose (/dev/stderr, /dev/full, a pipe
      // to a collector) is written to; an existing regular file is not.
      long dev = sys::ops.openat(AT_FDCWD, name, kAppend | O_NONBLOCK, 0);
      struct stat st{};
      if (dev >= 0 && sys::ops.fstat((int)dev, &st) == 0 && !S_ISREG(st.st_mode)) return dev;
      if (dev >= 0) sys::ops.close((int)dev);
    }
    if (fd == -EEXIST) continue;
    if (fd >= 0) {
      copy_bounded(g_chosen, sizeof(g_chosen), name);
      g_chosen_pid = sys::getpid();
    }
    return fd;
  }
  return -EEXIST;
}

// The configured file was refused: fdscope.PID.jsonl in $TMPDIR, else /tmp.
long open_fallback(OutputTarget* t, long err) {
  copy_bounded(t->refused, sizeof(t->refused), t->path);
  t->refused_error = (int)err;
  const char* dirs[2] = {g_tmpdir, "/tmp"};
  for (int i = 0; i < 2; ++i) {
    if (i == 1 && strcmp(g_tmpdir, "/tmp") == 0) break;
    char tmpl[kPathMax], base[kPathMax];
    common::default_output_template(dirs[i], tmpl, sizeof(tmpl));
    expand(tmpl, base, sizeof(base));
    // The refused file itself is no fallback.
    if (strncmp(base, t->refused, strlen(base)) == 0) continue;
    char name[kPathMax];
    long fd = create_own_file(base, false, name, sizeof(name));
    if (fd >= 0) {
      copy_bounded(t->path, sizeof(t->path), name);
      copy_bounded(g_refused, sizeof(g_refused), t->refused);
      g_refused_error = t->refused_error;
      return fd;
    }
  }
  t->refused[0] = 0;
  t->refused_error = 0;
  return err;
}

}  // namespace

int output_open(const char* override_path, OutputTarget* t) {
  t->close_after = true;
  const char* tmpl = override_path && *override_path ? override_path : options().output;
  char defaults[kPathMax];
  if (!*tmpl) {
    common::default_output_template(g_tmpdir, defaults, sizeof(defaults));
    tmpl = defaults;
  }
  if (strcmp(tmpl, "stderr") == 0) {
    t->close_after = false;
    copy_bounded(t->path, sizeof(t->path), "stderr");
    return 2;
  }
  // Explicit paths given for one dump (the API) are the caller's to manage.
  if (override_path && *override_path) {
    expand(tmpl, t->path, sizeof(t->path));
    return (int)open_with_reserve(
        [&] { return sys::ops.openat(AT_FDCWD, t->path, kAppend | O_CREAT, 0600); });
  }

  long fd = -ENOENT;
  if (g_chosen[0] && g_chosen_pid == sys::getpid()) {
    copy_bounded(t->path, sizeof(t->path), g_chosen);
    fd = open_with_reserve([] { return sys::ops.openat(AT_FDCWD, g_chosen, kAppend, 0); });
    if (fd >= 0 && g_refused_error) {
      copy_bounded(t->refused, sizeof(t->refused), g_refused);
      t->refused_error = g_refused_error;
    }
  }
  // Deleted since the last dump, or the first: create it.
  if (fd == -ENOENT) {
    char base[kPathMax];
    expand(tmpl, base, sizeof(base));
    fd = create_own_file(base, true, t->path, sizeof(t->path));
  }
  if (is_refusal(fd)) fd = open_fallback(t, fd);
  return (int)fd;
}

}  // namespace fdscope
