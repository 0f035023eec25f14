// SPDX-License-Identifier: MIT
#include "dump/log_sink.h"

#include <fcntl.h>
#include <string.h>

#include "platform/own_fds.h"
#include "platform/sys.h"
#include "state/options.h"
#include "symbolize/demangle.h"

namespace fdscope {

LogSink::LogSink() {
  const char* where = options().log;
  if (strcmp(where, "none") == 0) return;
  if (strcmp(where, "stderr") == 0) {
    fd_ = 2;
    return;
  }
  long fd = sys::ops.openat(AT_FDCWD, where,
                            O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  fd_ = (int)fd;
  close_ = true;
  add_own_fd(fd_);
}

LogSink::~LogSink() {
  if (!close_) return;
  drop_own_fd(fd_);
  sys::ops.close(fd_);
}

void LogSink::write(const LineBuf& line) const {
  if (fd_ >= 0) sys::write_all(fd_, line.c_str(), line.size());
}

void add_frame_text(LineBuf& line, uintptr_t addr, const Symbolizer& sym) {
  const ResolvedFrame* f = sym.find(addr);
  if (f && f->name) {
    char name[256];
    line.add(demangle_into(f->name, name, sizeof(name)));
    const char* path = sym.modules()[f->module].path;
    const char* base = strrchr(path, '/');
    line.add(" (").add(base ? base + 1 : path).add(")");
    return;
  }
  char hex[20] = "0x";
  line.add(hex, 2 + format_hex(hex + 2, addr));
  if (!f || f->module < 0) line.add(" (jit or unknown code)");
}

}  // namespace fdscope
