// SPDX-License-Identifier: MIT
#include "dump/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

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
  // A slot a writer kept busy through every try is counted as skipped; one
  // read whole but closed meanwhile is simply no longer tracked. (The copy
  // of a failed read may be torn: it says nothing.)
  if (!read_slot(*s, rec)) {
    *busy = true;
    return false;
  }
  return rec->state == SlotState::kOpen;
}

// Unless the host closed it meanwhile (then its number may be the host's).
void close_dir(int dir) {
  if (dir < 0 || !is_own_fd(dir)) return;
  drop_own_fd(dir);
  sys::ops.close(dir);
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

namespace {

// The descriptors the table holds open (a racy peek), and 0, 1 and 2 (which
// a process inherits untracked), ascending, except the library's own;
// false if there are more than cap.
bool list_table_fds(int dir, int* out, size_t cap, size_t* n) {
  *n = 0;
  FdTable& table = fd_table();
  const unsigned end = table.capacity();
  for (unsigned fd = 0; fd < end || fd <= 2; ++fd) {
    FdSlot* s = fd < end ? table.slot((int)fd, false) : nullptr;
    if (!s && fd > 2) {
      fd |= FdTable::kChunkSize - 1;  // an unmapped chunk
      continue;
    }
    if (fd > 2 && peek_state(*s) != SlotState::kOpen) continue;
    if ((int)fd == dir || is_own_fd((int)fd)) continue;
    if (*n >= cap) return false;
    out[(*n)++] = (int)fd;
  }
  return true;
}

struct Describer {
  Scratch& scratch;
  Snapshot* out;
  FdDescription* desc;
  PathModes modes;
  int dir;  // the open /proc/self/fd, or -1

  // Appends fd's entry; 1 added, 0 closed meanwhile, -ENOMEM.
  int add(int fd) {
    DumpEntry& e = out->entries[out->count];
    e = DumpEntry{};
    e.fd = fd;
    bool busy;
    e.tracked = read_record(e.fd, &e.rec, &busy);
    // A record whose descriptor was closed since the listing is left out.
    if (!describe_fd(e.fd, e.tracked ? &e.rec : nullptr, desc,
                     dir >= 0 && is_own_fd(dir) ? dir : -1, &modes))
      return 0;
    size_t len = strlen(desc->target);
    char* target = scratch.alloc<char>(len + 1);
    if (!target) return -ENOMEM;
    memcpy(target, desc->target, len + 1);
    e.kind = desc->kind;
    e.target = target;
    out->skipped += busy;
    out->tracked += e.tracked;
    ++out->count;
    return 1;
  }
};

bool entry_has(const Snapshot& snap, size_t n, int fd) {
  size_t lo = 0, hi = n;  // entries [0, n) are ascending
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (snap.entries[mid].fd < fd) lo = mid + 1;
    else hi = mid;
  }
  return lo < n && snap.entries[lo].fd == fd;
}

}  // namespace

int take_snapshot(Scratch& scratch, uint64_t soft_limit, Snapshot* out) {
  size_t cap = soft_limit < (1u << 20) ? (size_t)soft_limit + 64 : (1u << 20);
  int* fds = scratch.alloc<int>(cap);
  constexpr size_t kDirBuf = 32 * 1024;
  char* dirbuf = scratch.alloc<char>(kDirBuf);
  FdDescription* desc = scratch.alloc<FdDescription>(1);
  out->entries = scratch.alloc<DumpEntry>(cap + 1);
  if (!fds || !dirbuf || !desc || !out->entries) return -ENOMEM;

  // At most one descriptor of the dump's is open at any time (this
  // directory, then /proc/self/maps, each ELF file, the output), so the one
  // reserved descriptor is enough when the process is at its limit.
  long dir = open_with_reserve([] {
    return sys::ops.openat(AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  });
  if (dir < 0) return (int)dir;
  // Kept open to look the descriptors up in (still the only one the dump
  // has open); its own, so that a host closing it is noticed.
  add_own_fd((int)dir);
  const bool own_dir = is_own_fd((int)dir);  // (not when the registry is full)

  // The kernel counts the open descriptors (the size of /proc/self/fd,
  // Linux 6.2+). When the table's open descriptors, 0-2 and the library's
  // own are all of them, the directory need not be listed: listing costs
  // about a microsecond a descriptor.
  struct stat st{};
  const uint64_t kernel_count =
      own_dir && sys::ops.fstat((int)dir, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
  size_t nfds = 0;
  bool from_table = kernel_count > 0 && list_table_fds((int)dir, fds, cap, &nfds);
  if (!from_table) nfds = list_open_fds((int)dir, fds, cap, dirbuf, kDirBuf);
  if (!own_dir) {
    sys::ops.close((int)dir);
    dir = -1;
  }

  Describer d{scratch, out, desc, {}, (int)dir};
  d.modes.init(scratch, 8192);  // without it, every path takes an fstat
  for (size_t i = 0; i < nfds; ++i)
    if (d.add(fds[i]) < 0) {
      close_dir((int)dir);
      return -ENOMEM;
    }
  if (from_table && out->count + (size_t)list_own_fds(nullptr, 0) != kernel_count) {
    // Some are not the table's (created behind the library's back, or
    // changing right now): list them after all, and add the ones missing.
    const size_t have = out->count;
    nfds = list_open_fds((int)dir, fds, cap, dirbuf, kDirBuf);
    for (size_t i = 0; i < nfds; ++i)
      if (!entry_has(*out, have, fds[i]) && d.add(fds[i]) < 0) {
        close_dir((int)dir);
        return -ENOMEM;
      }
    if (out->count > have) {  // two ascending runs: merged
      DumpEntry* merged = scratch.alloc<DumpEntry>(out->count);
      if (!merged) {
        close_dir((int)dir);
        return -ENOMEM;
      }
      size_t i = 0, j = have, k = 0;
      while (i < have || j < out->count)
        merged[k++] = j == out->count || (i < have && out->entries[i].fd < out->entries[j].fd)
                          ? out->entries[i++]
                          : out->entries[j++];
      out->entries = merged;
    }
  }
  close_dir((int)dir);

  size_t peak_cap = peak_candidates();
  out->peaks = scratch.alloc<StackPeak>(peak_cap + 1);
  if (!out->peaks) return -ENOMEM;
  out->peak_count = collect_peaks(out->peaks, peak_cap);
  if (!out->stacks.init(scratch, out->count * 3 + out->peak_count * 2 + 1)) return -ENOMEM;
  for (size_t i = 0; i < out->peak_count; ++i) {
    out->stacks.add(out->peaks[i].stack);
    out->stacks.add(out->peaks[i].partner);
  }
  for (size_t i = 0; i < out->count; ++i) {
    const DumpEntry& e = out->entries[i];
    if (!e.tracked) continue;
    out->stacks.add(e.rec.stack);
    out->stacks.add(e.rec.live.connect_stack);
    out->stacks.add(e.rec.lang_stack);
  }
  return 0;
}

}  // namespace fdscope
