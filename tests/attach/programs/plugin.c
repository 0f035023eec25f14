// SPDX-License-Identifier: MIT
// A plugin of plugin_host, built once per PLUGIN name (a, b): its
// plugin_NAME_open() opens /etc/hostname and keeps it.
#include <fcntl.h>

#define CAT2(a, b, c) a##b##c
#define CAT(a, b, c) CAT2(a, b, c)

__attribute__((noinline)) int CAT(plugin_, PLUGIN, _open)(void) {
  return open("/etc/hostname", O_RDONLY | O_CLOEXEC);
}
