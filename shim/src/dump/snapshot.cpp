// SPDX-License-Identifier: MIT
#include "dump/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "dump/fd_describe.h"
#include "platform/own_fds.h"
#include "platform/reserve_fd.h"
#include "platform/sys.h"

namespace fdscope {
namespace {

// Lists the numbers in /proc/self/fd, except the library's own descriptors.
size_t list_open_fds(int dir, int* out, size_t cap, char* buf, size_t buf_len) {
  size_t n = 0;
  for (;;) {
    long got = sys::ops.getdents64(dir, buf, buf_len);
    if (got <= 0) break;
    for (long off = 0; off < got;) {
      // struct linux_dirent64: ino(8) off(8) reclen(2) type(1) name[]
      unsigned short reclen;
      memcpy(&reclen, buf + off + 16, sizeof(reclen));
      const char* name = buf + off + 19;
      off += reclen;
      if (name[0] < '0' || name[0] > '9') continue;
      int fd = 0;
      for (const char* p = name; *p >= '0' && *p <= '9'; ++p) fd = fd * 10 + (*p - '0');
      if (fd == dir || is_own_fd(fd) || n >= cap) continue;  // own: excluded
      out[n++] = fd;
    }
  }
  return n;
}

// The record of fd, if the library has one that is open and not being
// written; `busy` when a writer held it at this instant.
bool read_record(int fd, FdRecord* rec, bool* busy) {
  *busy = false;
  FdSlot* s = fd_table().slot(fd, false);
  if (!s || peek_state(*s) != SlotState::kOpen) return false;
  if (read_slot(*s, rec) && rec->state == SlotState::kOpen) return true;
  *busy = rec->state != SlotState::kOpen;
  return false;
}

}  // namespace

bool StackIdSet::init(Scratch& s, size_t expected) {
  size_t cap = 16;
  while (cap < expected * 2) cap <<= 1;
  slots = s.alloc<uint32_t>(cap);
  mask = cap - 1;
  return slots != nullptr;
}

void StackIdSet::add(uint32_t id) {
  if (id == 0) return;
  for (size_t i = (id * 2654435761u) & mask;; i = (i + 1) & mask) {
    if (slots[i] == id) return;
    if (slots[i] == 0) {
      slots[i] = id;
      ++count;
      return;
    }
  }
}

int take_snapshot(Scratch& scratch, uint64_t soft_limit, Snapshot* out) {
  size_t cap = soft_limit < (1u << 20) ? (size_t)soft_limit + 64 : (1u << 20);
  int* fds = scratch.alloc<int>(cap);
  constexpr size_t kDirBuf = 32 * 1024;
  char* dirbuf = scratch.alloc<char>(kDirBuf);
  FdDescription* desc = scratch.alloc<FdDescription>(1);
  if (!fds || !dirbuf || !desc) return -ENOMEM;

  // At most one descriptor of the dump's is open at any time (this
  // directory, then /proc/self/maps, each ELF file, the output), so the one
  // reserved descriptor is enough when the process is at its limit.
  long dir = open_with_reserve([] {
    return sys::ops.openat(AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  });
  if (dir < 0) return (int)dir;
  size_t nfds = list_open_fds((int)dir, fds, cap, dirbuf, kDirBuf);
  sys::ops.close((int)dir);

  size_t peak_cap = peak_candidates();
  out->peaks = scratch.alloc<StackPeak>(peak_cap + 1);
  if (!out->peaks) return -ENOMEM;
  out->peak_count = collect_peaks(out->peaks, peak_cap);
  out->entries = scratch.alloc<DumpEntry>(nfds + 1);
  if (!out->entries || !out->stacks.init(scratch, nfds * 3 + out->peak_count * 2 + 1))
    return -ENOMEM;
  for (size_t i = 0; i < out->peak_count; ++i) {
    out->stacks.add(out->peaks[i].stack);
    out->stacks.add(out->peaks[i].partner);
  }
  for (size_t i = 0; i < nfds; ++i) {
    DumpEntry& e = out->entries[out->count];
    e = DumpEntry{};
    e.fd = fds[i];
    bool busy;
    e.tracked = read_record(e.fd, &e.rec, &busy);
    // A record whose descriptor was closed since the listing is left out.
    if (!describe_fd(e.fd, e.tracked ? &e.rec : nullptr, desc)) continue;
    size_t len = strlen(desc->target);
    char* target = scratch.alloc<char>(len + 1);
    if (!target) return -ENOMEM;
    memcpy(target, desc->target, len + 1);
    e.kind = desc->kind;
    e.target = target;
    out->skipped += busy;
    if (e.tracked) {
      ++out->tracked;
      out->stacks.add(e.rec.stack);
      out->stacks.add(e.rec.live.connect_stack);
      out->stacks.add(e.rec.lang_stack);
    }
    ++out->count;
  }
  return 0;
}

}  // namespace fdscope
