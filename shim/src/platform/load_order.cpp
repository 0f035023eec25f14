// SPDX-License-Identifier: MIT
#include "platform/load_order.h"

#include <link.h>
#include <stdint.h>
#include <string.h>

#include "platform/elf_dynamic.h"

namespace fdscope {
namespace {

struct Order {
  uintptr_t own;
  int index = 0;
  int own_index = -1;
  int libc_index = -1;
};

bool is_libc(const char* path) {
  const char* base = strrchr(path, '/');
  base = base ? base + 1 : path;
  return strncmp(base, "libc.so", 7) == 0;
}

int visit(dl_phdr_info* info, size_t, void* data) {
  Order* o = static_cast<Order*>(data);
  if (o->own_index < 0 && module_contains(info, o->own)) o->own_index = o->index;
  if (o->libc_index < 0 && info->dlpi_name && is_libc(info->dlpi_name)) o->libc_index = o->index;
  ++o->index;
  return 0;
}

}  // namespace

bool loaded_after_libc(const void* own_code) {
  Order o;
  o.own = reinterpret_cast<uintptr_t>(own_code);
  dl_iterate_phdr(visit, &o);
  return o.libc_index >= 0 && o.own_index > o.libc_index;
}

}  // namespace fdscope
