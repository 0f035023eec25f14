// SPDX-License-Identifier: MIT
#include "state/fd_table.h"

#include <string.h>

#include "platform/sys.h"
#include "state/site_counts.h"

namespace fdscope {

namespace {
// Zero-initialised static storage: usable before any constructor runs.
FdTable g_table;
constexpr int kWriteSpins = 1000;
constexpr int kReadTries = 64;
}  // namespace

FdTable& fd_table() { return g_table; }

FdSlot* FdTable::slot(int fd, bool create) {
  if (fd < 0 || (unsigned)fd >= kMaxFds) return nullptr;
  unsigned c = (unsigned)fd >> kChunkBits;
  FdSlot* chunk = chunks_[c].load(std::memory_order_acquire);
  if (!chunk) {
    if (!create) return nullptr;
    // mmap is a plain system call: safe here even in a signal handler.
    auto* fresh = static_cast<FdSlot*>(sys::ops.map(sizeof(FdSlot) * kChunkSize));
    if (!fresh) return nullptr;
    FdSlot* expected = nullptr;
    if (chunks_[c].compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) {
      chunk = fresh;
    } else {
      sys::ops.unmap(fresh, sizeof(FdSlot) * kChunkSize);
      chunk = expected;
    }
  }
  return &chunk[(unsigned)fd & (kChunkSize - 1)];
}

unsigned FdTable::capacity() const {
  unsigned n = 0;
  for (unsigned c = 0; c < kMaxChunks; ++c)
    if (chunks_[c].load(std::memory_order_acquire)) n = (c + 1) * kChunkSize;
  return n;
}

unsigned FdTable::close_range(unsigned first, unsigned last, uint64_t before_mono_ns) {
  unsigned cleared = 0;
  unsigned end = capacity();
  if (end == 0 || first >= end) return 0;
  if (last >= end) last = end - 1;
  for (unsigned fd = first; fd <= last; ++fd) {
    FdSlot* s = slot((int)fd, false);
    if (!s) {
      fd |= kChunkSize - 1;  // skip an unmapped chunk
      continue;
    }
    if (peek_state(*s) != SlotState::kOpen) continue;  // confirmed below
    if (!begin_write(*s)) continue;
    // <=: the records' clock is coarse (one tick is milliseconds), so a
    // descriptor opened just before the call has the call's timestamp.
    FdRecord r = load_record(*s);
    if (r.state == SlotState::kOpen && r.mono_ns <= before_mono_ns) {
      count_closed(owner_stack(r));
      r.state = SlotState::kClosed;
      r.mono_ns = before_mono_ns;
      r.dead = {};
      store_record(*s, r);
      ++cleared;
    }
    end_write(*s);
  }
  return cleared;
}

void FdTable::release_all_after_fork() {
  for (unsigned c = 0; c < kMaxChunks; ++c) {
    FdSlot* chunk = chunks_[c].load(std::memory_order_relaxed);
    if (!chunk) continue;
    for (unsigned i = 0; i < kChunkSize; ++i) {
      uint32_t v = chunk[i].seq.load(std::memory_order_relaxed);
      if (v & 1) chunk[i].seq.store(v + 1, std::memory_order_relaxed);
    }
  }
}

bool begin_write(FdSlot& s) {
  for (int i = 0; i < kWriteSpins; ++i) {
    uint32_t v = s.seq.load(std::memory_order_relaxed);
    if (!(v & 1) &&
        s.seq.compare_exchange_weak(v, v + 1, std::memory_order_acquire,
                                    std::memory_order_relaxed)) {
      std::atomic_thread_fence(std::memory_order_release);
      return true;
    }
    if (i >= 16) sys::yield();
  }
  return false;
}

void end_write(FdSlot& s) { s.seq.fetch_add(1, std::memory_order_release); }

bool read_slot(const FdSlot& s, FdRecord* out) {
  for (int i = 0; i < kReadTries; ++i) {
    uint32_t v1 = s.seq.load(std::memory_order_acquire);
    if (v1 & 1) {
      sys::yield();
      continue;
    }
    // The copy may overlap a writer's; the sequence check below discards it
    // then (the fence keeps the copy's loads before that check).
    *out = load_record(s);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (s.seq.load(std::memory_order_relaxed) == v1) return true;
  }
  return false;
}

}  // namespace fdscope
