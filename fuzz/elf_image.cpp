// The library reads the ELF files of every module in a dump's stacks, at
// dump time, inside the host: a truncated, replaced or hostile file must
// give no names rather than a crash. The input is served as the file: the
// OS seam (platform/sys.h, writable under FDSCOPE_TESTING) opens it, and
// maps it as a heap copy of exactly its size, so that a read one byte past
// the file is a report (a real mapping would hide it up to the page end).
//
// Input: the file. The addresses looked up are derived from it: its last
// 64 bytes as eight addresses, and a few offsets from its start.
#include <elf.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <algorithm>
#include <vector>

#include "platform/sys.h"
#include "symbolize/elf_image.h"

namespace {

constexpr int kFakeFd = 1 << 20;  // never a real descriptor of this process
const uint8_t* g_data;
size_t g_size;
void* g_mapped;
fdscope::sys::Ops g_real;

void check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "fuzz_elf_image: %s\n", what);
    abort();
  }
}

long fake_openat(int dirfd, const char* path, int flags, int mode) {
  if (strcmp(path, "fuzz.elf") == 0) return kFakeFd;
  return g_real.openat(dirfd, path, flags, mode);
}
long fake_close(int fd) { return fd == kFakeFd ? 0 : g_real.close(fd); }
long fake_fstat(int fd, struct stat* st) {
  if (fd != kFakeFd) return g_real.fstat(fd, st);
  memset(st, 0, sizeof(*st));
  st->st_mode = S_IFREG | 0644;
  st->st_size = (off_t)g_size;
  return 0;
}
void* fake_map_file(int fd, size_t len) {
  if (fd != kFakeFd) return g_real.map_file(fd, len);
  check(len == g_size && !g_mapped, "mapped with the wrong size, or twice");
  g_mapped = malloc(len);
  memcpy(g_mapped, g_data, len);
  return g_mapped;
}
long fake_unmap(void* addr, size_t len) {
  if (addr != g_mapped) return g_real.unmap(addr, len);
  check(len == g_size, "unmapped with the wrong size");
  free(g_mapped);
  g_mapped = nullptr;
  return 0;
}

bool inside_mapping(const char* p) {
  const char* base = static_cast<const char*>(g_mapped);
  return p >= base && p < base + g_size;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_real = fdscope::sys::ops;
  fdscope::sys::ops.openat = fake_openat;
  fdscope::sys::ops.close = fake_close;
  fdscope::sys::ops.fstat = fake_fstat;
  fdscope::sys::ops.map_file = fake_map_file;
  fdscope::sys::ops.unmap = fake_unmap;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  g_data = data;
  g_size = size;
  {
    fdscope::ElfImage image;
    if (!image.open("fuzz.elf")) {
      check(!image.valid() && !g_mapped, "a failed open kept the file");
      return 0;
    }

    char hex[129];
    size_t n = image.build_id(hex, sizeof(hex));
    check(n < sizeof(hex) && n % 2 == 0, "build-id length");
    if (n) check(strlen(hex) == n && strspn(hex, "0123456789abcdef") == n, "build-id text");

    uint64_t vaddr;
    for (uint64_t off : {uint64_t(0), uint64_t(64), uint64_t(size / 2), uint64_t(size), ~uint64_t(0)})
      image.vaddr_of_offset(off, &vaddr);

    std::vector<uint64_t> addrs;
    for (size_t i = 0; i < 8 && size >= 64; ++i) {
      uint64_t a;
      memcpy(&a, data + size - 64 + 8 * i, sizeof(a));
      addrs.push_back(a);
    }
    for (uint64_t a : {uint64_t(0), uint64_t(0x1000), uint64_t(0x401000), ~uint64_t(0)}) addrs.push_back(a);
    std::sort(addrs.begin(), addrs.end());
    std::vector<const char*> names(addrs.size());
    std::vector<uint64_t> offsets(addrs.size());
    image.symbolize(addrs.data(), addrs.size(), names.data(), offsets.data());
    for (size_t i = 0; i < addrs.size(); ++i) {
      if (!names[i]) {
        check(offsets[i] == 0, "an offset without a name");
        continue;
      }
      // A name is a NUL-terminated string inside the file.
      check(inside_mapping(names[i]), "a name outside the file");
      check(memchr(names[i], 0, static_cast<const char*>(g_mapped) + g_size - names[i]) != nullptr,
            "a name not terminated inside the file");
      check(offsets[i] <= addrs[i], "an offset past the address");
    }
  }
  check(!g_mapped, "the file stayed mapped after close");
  return 0;
}
