// SPDX-License-Identifier: MIT
#include "lang/node_inject.h"

#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/dynamic_symbols.h"
#include "util/log.h"
#include "platform/sys.h"

namespace fdscope::lang {
namespace {

constexpr size_t kMaxOptions = 8192;
char g_original[kMaxOptions];
bool g_had_original = false;

constexpr const char kScript[] = "fdscope/node/preload.js";

struct Finder {
  uintptr_t addr;
  char dir[1024];
  bool found;
};

// The folder of the ELF object that holds this code: libfdscope.so, wherever
// it was preloaded from (a build tree, an install prefix, /opt/lib in Lambda).
int find_self(struct dl_phdr_info* info, size_t, void* data) {
  Finder* f = static_cast<Finder*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (f->addr < start || f->addr >= start + ph.p_memsz) continue;
    const char* name = info->dlpi_name;
    const char* slash = name ? strrchr(name, '/') : nullptr;
    if (!slash || (size_t)(slash - name) >= sizeof(f->dir)) return 1;
    memcpy(f->dir, name, slash - name);
    f->dir[slash - name] = 0;
    f->found = true;
    return 1;
  }
  return 0;
}

bool mentions_permission_model(const char* s, size_t n) {
  static const char* const kFlags[] = {"--experimental-permission", "--permission"};
  for (const char* flag : kFlags) {
    size_t fl = strlen(flag);
    for (size_t i = 0; i + fl <= n; ++i)
      if (memcmp(s + i, flag, fl) == 0) return true;
  }
  return false;
}

// Node's permission model refuses a --require of a file it may not read:
// the library then leaves the process alone rather than stop it starting.
bool permission_model_requested(const char* node_options) {
  if (node_options && mentions_permission_model(node_options, strlen(node_options))) return true;
  char buf[8192];
  long fd = sys::ops.openat(AT_FDCWD, "/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return false;
  long n = sys::ops.read((int)fd, buf, sizeof(buf));
  sys::ops.close((int)fd);
  return n > 0 && mentions_permission_model(buf, (size_t)n);
}

}  // namespace

void inject_node_preload() {
  if (!fdscope_lookup_global("napi_module_register")) return;  // not Node.js
  Finder f{reinterpret_cast<uintptr_t>(&inject_node_preload), {}, false};
  dl_iterate_phdr(find_self, &f);
  if (!f.found) return;
  char found[sizeof(f.dir) + sizeof(kScript) + 1];
  size_t dl = strlen(f.dir);
  memcpy(found, f.dir, dl);
  found[dl] = '/';
  memcpy(found + dl + 1, kScript, sizeof(kScript));
  // Absolute: node resolves a relative --require as a module name, and a
  // relative LD_PRELOAD (build/lib/libfdscope.so) names the library so.
  char script[PATH_MAX];
  if (!realpath(found, script)) return;
  // NODE_OPTIONS quotes with "...": a path that needs escaping is not used.
  if (strpbrk(script, "\"\\") || access(script, R_OK) != 0) return;

  const char* old = getenv("NODE_OPTIONS");
  if (old && strlen(old) >= kMaxOptions) return;
  if (permission_model_requested(old)) return;
  char value[kMaxOptions + sizeof(script) + 16];
  size_t n = 0;
  auto put = [&](const char* s) {
    size_t l = strlen(s);
    memcpy(value + n, s, l);
    n += l;
  };
  put("--require \"");
  put(script);
  put("\"");
  if (old && *old) {
    put(" ");
    put(old);
  }
  value[n] = 0;
  if (old) {
    memcpy(g_original, old, strlen(old) + 1);
    g_had_original = true;
  }
  if (setenv("NODE_OPTIONS", value, 1) != 0) g_had_original = false;
}

const char* original_node_options() { return g_had_original ? g_original : nullptr; }

}  // namespace fdscope::lang
