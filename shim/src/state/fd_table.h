// SPDX-License-Identifier: MIT
// The descriptor table: one slot per descriptor number, holding what the shim
// knows about the descriptor that currently has that number.
//
// Concurrency: no global lock. Each slot is a seqlock. A writer (a hook on
// any thread, possibly in a signal handler) takes the slot by moving its
// sequence from even to odd, with a bounded spin: if it cannot (the slot is
// held by the very code its signal interrupted), it gives up the record
// rather than deadlock. Readers (the dump) copy a slot and retry if the
// sequence moved; a slot still busy after a few tries is skipped, never torn.
// The record itself is words that are only loaded and stored atomically
// (relaxed: the sequence orders them): a reader's copy overlapping a write,
// and a hook's peek at a slot before it takes it, are races by design, and
// only as atomic accesses are they defined behaviour (and invisible to
// ThreadSanitizer, which found the plain ones).
//
// Memory: slots live in chunks of 1024, mapped on first use, so memory grows
// with the highest descriptor number used, not with the limit.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <atomic>

#include "state/calls.h"

namespace fdscope {

enum class SlotState : uint8_t { kEmpty = 0, kOpen = 1, kClosed = 2 };

// 64-bit fields of a record, aligned to 4 bytes: the record (36 bytes)
// then follows its slot's 4-byte sequence without padding.
typedef uint64_t u64_align4 __attribute__((aligned(4)));

// 36 bytes, 40 with its slot's sequence: memory grows with the highest
// descriptor number, so a slot holds ids, not data. What only an open
// descriptor needs and what only a closed one needs (for a double-close
// report) share their bytes; peer addresses and thread names are interned
// (stacks/blob_store.h). State, call and thread share one word: a Linux
// thread id is below PID_MAX_LIMIT, 2^22.
struct FdRecord {
  SlotState state : 2;
  Call call : 8;
  uint32_t tid : 22;    // creating thread
  uint32_t stack;       // interned creating stack, 0 = none
  uint32_t lang_stack;  // interned JavaScript/Python stack, 0 = none
  u64_align4 mono_ns;   // open: when it was created; closed: when it was closed
  union {
    struct {
      uint32_t connect_stack;  // interned stack of the last connect(), 0 = none
      uint32_t peer;           // blob id of the sockaddr given to connect(), 0 = none
      uint32_t thread;         // blob id of the creating thread's name, 0 = none
      int32_t flags;           // open flags / socket type / pipe2 flags
    } live;  // state kOpen
    struct {
      uint32_t close_stack;    // when its site wants whole stacks (a double close seen); 0 = none
      int32_t close_tid;
      u64_align4 close_caller;  // the return address into the code that closed it
    } dead;  // state kClosed
  };
};
static_assert(sizeof(FdRecord) == 36 && alignof(FdRecord) == 4,
              "a slot per descriptor number: keep it small");

// 32-bit words: the record is 4-byte aligned; its state is in the first
// (the first bit-field of the first word).
constexpr unsigned kRecordWords = sizeof(FdRecord) / sizeof(uint32_t);
static_assert(sizeof(FdRecord) % sizeof(uint32_t) == 0, "a record is whole words");

struct FdSlot {
  std::atomic<uint32_t> seq;
  FdRecord rec;  // only through load_record, store_record and peek_state
};
static_assert(sizeof(FdSlot) == 40, "40 bytes a descriptor number (40 KiB a chunk)");

// Inline: on every create and close. Under ThreadSanitizer the record is
// loaded and stored a word at a time with relaxed atomics (the sequence
// orders them), the accesses that make a seqlock's overlapping copy defined
// behaviour and that ThreadSanitizer checks. Elsewhere they are plain
// copies, the usual seqlock compromise, which the compiler folds into the
// few fields a hook touches (word by word costs ~350 instructions a pair);
// on x86-64 a relaxed word access is the same move as a plain one.
#if defined(__SANITIZE_THREAD__)
inline const uint32_t* record_words(const FdSlot& s) {
  return reinterpret_cast<const uint32_t*>(&s.rec);
}
// The record as it is now: a racy copy unless the caller holds the slot
// (begin_write) or checks the sequence (read_slot).
inline FdRecord load_record(const FdSlot& s) {
  uint32_t w[kRecordWords];
  for (unsigned i = 0; i < kRecordWords; ++i) w[i] = __atomic_load_n(record_words(s) + i, __ATOMIC_RELAXED);
  FdRecord r;
  memcpy(&r, w, sizeof(r));
  return r;
}
// The state alone, as it is now; confirmed under begin_write before use.
inline SlotState peek_state(const FdSlot& s) {
  const uint32_t w = __atomic_load_n(record_words(s), __ATOMIC_RELAXED);
  FdRecord r;
  memcpy(&r, &w, sizeof(w));  // the first word: state, call, tid
  return r.state;
}
// Replaces the record; only between begin_write and end_write.
inline void store_record(FdSlot& s, const FdRecord& r) {
  uint32_t w[kRecordWords];
  memcpy(w, &r, sizeof(r));
  auto* words = const_cast<uint32_t*>(record_words(s));
  for (unsigned i = 0; i < kRecordWords; ++i) __atomic_store_n(words + i, w[i], __ATOMIC_RELAXED);
}
#else
inline FdRecord load_record(const FdSlot& s) { return s.rec; }
inline SlotState peek_state(const FdSlot& s) { return s.rec.state; }
inline void store_record(FdSlot& s, const FdRecord& r) { s.rec = r; }
#endif

class FdTable {
 public:
  static constexpr unsigned kChunkBits = 10;
  static constexpr unsigned kChunkSize = 1u << kChunkBits;
  // The kernel's default nr_open; higher descriptors are left untracked
  // (they still appear in dumps, as untracked).
  static constexpr unsigned kMaxFds = 1u << 20;
  static constexpr unsigned kMaxChunks = kMaxFds / kChunkSize;

  // The slot for fd, mapping its chunk if `create`; nullptr if out of range
  // or not mapped (or mapping failed).
  FdSlot* slot(int fd, bool create);

  // Number of slots that can exist (chunks mapped so far * chunk size).
  unsigned capacity() const;

  // Clears every slot in [first, last] whose record was created before
  // `before_mono_ns` or in the same tick of the coarse clock (a concurrent
  // creation in that tick loses its record: it then shows as untracked).
  // Used for close_range/closefrom.
  unsigned close_range(unsigned first, unsigned last, uint64_t before_mono_ns);

  // After fork in the child: a slot held by another thread of the parent
  // would stay held forever, so release every held slot.
  void release_all_after_fork();

 private:
  std::atomic<FdSlot*> chunks_[kMaxChunks];
};

// Slot writes. begin_write returns false when the slot could not be taken in
// bounded time; then the caller drops its update.
bool begin_write(FdSlot& s);
void end_write(FdSlot& s);
// Consistent copy of a slot; false if it stayed busy.
bool read_slot(const FdSlot& s, FdRecord* out);

FdTable& fd_table();

}  // namespace fdscope
