// SPDX-License-Identifier: MIT
#include "stacks/unwind.h"

#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "platform/sys.h"
#include "stacks/stack_store.h"
#include "stacks/trace_memo.h"

// libunwind's pools of parsed unwind information (libunwind's
// include/mempool.h: a struct mempool starts with its pthread mutex). They
// are hidden symbols of the static libunwind linked into this library; only
// their lock is touched here.
extern "C" {
struct UnwMempoolHead {
  pthread_mutex_t lock;
};
extern UnwMempoolHead dwarf_cie_info_pool;
extern UnwMempoolHead dwarf_reg_state_pool;
// unw_backtrace's fast path (libunwind's src/x86_64/Gtrace.c), for a
// cursor set up at a frame of our choosing: libunwind 1.6 has no
// unw_backtrace2 that takes a context.
// cmake/libunwind/trace-memo.patch adds these two: the trace logging the
// stack words it reads, and per-thread room that lives as long as the
// thread's trace cache.
int _ULx86_64_tdep_trace_logged(unw_cursor_t* cursor, void** buffer, int* size,
                                unw_word_t* log, int* nlog, int* start_rbp_used);
void* _ULx86_64_trace_user_area(size_t* size);
}

// The linker defines this in every ELF output: the start of the shim's own
// mapped file, its ELF header with the program headers after it. Declared
// as bytes of unknown extent and read with memcpy: typed as one Ehdr, the
// program headers would lie past the object (UBSan's object-size check
// stops the library's start-up there).
extern "C" const unsigned char __ehdr_start[] __attribute__((visibility("hidden")));

namespace fdscope {

uintptr_t g_shim_lo = 0, g_shim_hi = 0;

std::atomic<int> g_unwinding{0};
std::atomic<bool> g_fork_pending{false};

// Dekker with enter_unwinder: either a capture sees the fork pending and
// backs out, or the fork sees its count and waits for it to leave.
void unwind_before_fork() {
  g_fork_pending.store(true, std::memory_order_seq_cst);
  for (int i = 0; i < 200000 && g_unwinding.load(std::memory_order_seq_cst) != 0; ++i)
    sys::yield();
  // Free now unless a thread stayed in the unwinder beyond the bound;
  // held across the fork so that the child's copy is consistent.
  pthread_mutex_lock(&dwarf_cie_info_pool.lock);
  pthread_mutex_lock(&dwarf_reg_state_pool.lock);
}

void unwind_after_fork() {
  pthread_mutex_unlock(&dwarf_reg_state_pool.lock);
  pthread_mutex_unlock(&dwarf_cie_info_pool.lock);
  g_fork_pending.store(false, std::memory_order_release);
}

TraceMemo* thread_trace_memo() {
  size_t size = 0;
  void* area = _ULx86_64_trace_user_area(&size);
  return area && size >= sizeof(TraceMemo) ? static_cast<TraceMemo*>(area) : nullptr;
}

namespace {

sigset_t g_all_signals;  // set by unwind_init

// Frames of the shim an ordinary unwind may lead with (at most).
constexpr unsigned kShimFramesMax = 8;

__thread uint32_t t_last_stack __attribute__((tls_model("initial-exec")));

// Interns what an ordinary unwind found, without the shim's leading frames.
uint32_t intern_unwound(void* const* raw, int got, unsigned max) {
  unsigned n = got > 0 ? (unsigned)got : 0, skip = 0;
  while (skip < n && in_shim(reinterpret_cast<uintptr_t>(raw[skip]))) ++skip;
  n -= skip;
  static_assert(sizeof(void*) == sizeof(uintptr_t));
  return intern_stack_hinted(reinterpret_cast<const uintptr_t*>(raw + skip), n < max ? n : max,
                             &t_last_stack);
}

// The whole stack the ordinary way, the shim's leading frames dropped.
// unw_step's DWARF parse takes the dynamic linker's lock and libunwind's
// pools' locks, which libunwind no longer blocks signals around
// (cmake/libunwind/trace-signal-mask.patch says why): a handler that jumped
// out of itself there would leave them held. Out of line: the hot path
// keeps no signal set in its frame. (sigprocmask, a thread's own mask in
// glibc as libunwind uses it: pthread_sigmask is GLIBC_2.32 in libc.so.)
__attribute__((noinline)) uint32_t unwind_ordinary(void** raw, unsigned max) {
  sigset_t saved;
  sigprocmask(SIG_SETMASK, &g_all_signals, &saved);
  const uint32_t id = intern_unwound(raw, unw_backtrace(raw, (int)(max + kShimFramesMax)), max);
  sigprocmask(SIG_SETMASK, &saved, nullptr);
  return id;
}

// A trace kept in the thread's memo (stacks/trace_memo.h) for this start,
// its stack words unchanged: its interned stack, else 0. It reads only the
// thread's own memo and stack, takes no lock and writes nothing shared, so
// it runs outside enter_unwinder: a capture that hits it leaves the
// process-wide unwinder count alone (no cache line every capturing thread
// writes).
uint32_t memo_hit(TraceMemo* memo, const TraceStart& start, unsigned max) {
  if (!memo || memo->busy) return 0;
  memo->busy = 1;
  const uint32_t id = memo_lookup(*memo, start, max);
  memo->busy = 0;
  return id;
}

// The fast trace from the host's frame, kept in the thread's memo. False
// if the fast trace cannot go there; else *id is the stack (0 if it could
// not be stored).
// The other callee-saved registers are those of this point: the fast trace
// does not read them; where it cannot go on it fails, and the caller then
// unwinds the ordinary way.
bool trace_from(TraceMemo* memo, const TraceStart& start, unsigned max, void** raw, uint32_t* id) {
  TraceMemoKey* key = nullptr;
  uintptr_t* log = nullptr;
  if (memo && !memo->busy) {
    memo->busy = 1;
    unsigned i = memo->next;
    memo->next = (i + 1) % kMemoEntries;
    key = &memo->key[i];
    key->start.rip = 0;  // empty until its log is complete
    log = memo->log[i];
  }
  unw_context_t uc;
  unw_getcontext(&uc);
  uc.uc_mcontext.gregs[REG_RIP] = (greg_t)start.rip;
  uc.uc_mcontext.gregs[REG_RSP] = (greg_t)start.rsp;
  uc.uc_mcontext.gregs[REG_RBP] = (greg_t)start.rbp;
  unw_cursor_t cursor;
  int n = (int)max - 1, nlog = kMemoReads, rbp_used = 1;
  const bool ok = unw_init_local(&cursor, &uc) >= 0 &&
                  _ULx86_64_tdep_trace_logged(&cursor, raw + 1, &n, log, &nlog, &rbp_used) >= 0;
  if (ok) {
    raw[0] = reinterpret_cast<void*>(start.rip);  // the trace records callers only
    *id = intern_stack_hinted(reinterpret_cast<const uintptr_t*>(raw), (unsigned)n + 1,
                              &t_last_stack);
    if (key && *id && nlog >= 0) {
      key->max = max;
      key->stack = *id;
      key->nreads = nlog;
      key->start.rsp = start.rsp;
      key->start.rbp = start.rbp;
      key->rbp_used = rbp_used != 0;
      __atomic_signal_fence(__ATOMIC_SEQ_CST);
      key->start.rip = start.rip;
    }
  }
  if (key) memo->busy = 0;
  return ok;
}

// The host's frame: where the first return address outside the shim is,
// found by following the shim's frame pointers from fp. False if the chain
// goes down the stack or stays in the shim beyond kShimFramesMax frames.
bool host_start(const uintptr_t* fp, TraceStart* start) {
  for (unsigned i = 0; fp && i < kShimFramesMax; ++i) {
    const uintptr_t ret = fp[1];
    const auto* next = reinterpret_cast<const uintptr_t*>(fp[0]);
    if (!in_shim(ret)) {
      *start = {ret, reinterpret_cast<uintptr_t>(fp + 2), reinterpret_cast<uintptr_t>(next)};
      return true;
    }
    // A shim frame's saved rbp points further up the same stack.
    if (next <= fp) return false;
    fp = next;
  }
  return false;
}

}  // namespace

// The shim is built with frame pointers (shim/CMakeLists.txt), so its own
// frames, from here up to the interposer the host called, are found by
// following rbp: only shim frames are read that way, each set up by shim
// code, and the walk stops at the first return address outside the shim.
// The unwind then starts in the host's frame, with the registers the
// fast trace needs (rip, rsp, rbp) as they were at the call, and libunwind
// walks none of the shim's frames (a few hundred instructions a capture);
// a start seen before, with the same stack words, costs a check of those
// words. Where the fast path cannot be taken, the whole stack is unwound
// the ordinary way, with room for the shim's frames it leads with.
__attribute__((noinline)) uint32_t capture_interned(unsigned max) {
  if (max > kMaxDepth) max = kMaxDepth;
  if (max == 0) return 0;
  TraceStart start;
  const bool fast =
      max >= 2 && host_start(static_cast<const uintptr_t*>(__builtin_frame_address(0)), &start);
  TraceMemo* memo = fast ? thread_trace_memo() : nullptr;
  if (uint32_t id = fast ? memo_hit(memo, start, max) : 0) return id;
  if (!enter_unwinder()) return 0;
  void* raw[kMaxDepth + kShimFramesMax];
  uint32_t id = 0;
  if (!fast || !trace_from(memo, start, max, raw, &id)) id = unwind_ordinary(raw, max);
  leave_unwinder();
  return id;
}

void unwind_init() {
  ElfW(Ehdr) eh;
  memcpy(&eh, __ehdr_start, sizeof(eh));
  uintptr_t first = UINTPTR_MAX, last = 0;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    ElfW(Phdr) ph;
    memcpy(&ph, __ehdr_start + eh.e_phoff + i * sizeof(ph), sizeof(ph));
    if (ph.p_type != PT_LOAD) continue;
    if (ph.p_vaddr < first) first = ph.p_vaddr;
    if (ph.p_vaddr + ph.p_memsz > last) last = ph.p_vaddr + ph.p_memsz;
  }
  uintptr_t bias = reinterpret_cast<uintptr_t>(__ehdr_start) - (first & ~uintptr_t(0xfff));
  g_shim_lo = bias + first;
  g_shim_hi = bias + last;
  sigfillset(&g_all_signals);
  // No register-state cache. libunwind 1.6 has only the global one here
  // (UNW_CACHE_PER_THREAD needs HAVE___THREAD, which its configure never
  // defines; building it in adds 26 KB of static TLS a thread, and then
  // pthread_create fails with EINVAL for Node.js's small-stack threads).
  // The global cache is held, under a mutex with signals blocked, for the
  // whole DWARF parse of a frame the trace cache has not seen: a fork while
  // another thread is in there leaves the child's first such unwind blocked
  // forever (seen in the fork-storm test). Without it, libunwind takes no
  // lock for that parse. The fast path, unw_backtrace's per-thread trace
  // cache, is not affected: it still sees each return address once a
  // thread.
  unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_NONE);
  void* warm[4];
  sigset_t saved;
  sigprocmask(SIG_SETMASK, &g_all_signals, &saved);
  unw_backtrace(warm, 4);
  sigprocmask(SIG_SETMASK, &saved, nullptr);
}

}  // namespace fdscope
