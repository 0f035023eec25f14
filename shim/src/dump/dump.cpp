#include "dump/dump.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>

#include <atomic>

#include "state/fd_table.h"
#include "util/log.h"
#include "util/text.h"
#include "state/options.h"
#include "platform/reserve_fd.h"
#include "stacks/stack_store.h"
#include "platform/sys.h"
#include "state/thread_state.h"
#include "platform/own_fds.h"
#include "lang/lang_frames.h"
#include "dump/frames_json.h"
#include "dump/fd_describe.h"
#include "util/json_writer.h"
#include "dump/output_file.h"
#include "dump/process_info.h"
#include "util/scratch.h"
#include "dump/summary.h"
#include "symbolize/symbolizer.h"
#include "util/utc_time.h"

#ifndef FDSCOPE_VERSION
#define FDSCOPE_VERSION "0.0.0"
#endif

namespace fdscope {
namespace {

// 2: language stacks (fd.lang_stack, stack frames with "lang").
constexpr int kFormatVersion = 2;
std::atomic<bool> g_busy{false};
std::atomic<unsigned> g_seq{0};        // every dump: its sequence number
std::atomic<unsigned> g_automatic{0};  // threshold, emfile, signal, exit: max_dumps

// Lists the numbers in /proc/self/fd, except the shim's own descriptors.
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

struct Entry {
  int fd;
  bool tracked;
  FdRecord rec;
  const char* kind;
  const char* target;  // in the dump's scratch
};

// Open-addressing set of stack ids referenced by the dump.
struct IdSet {
  uint32_t* slots;
  size_t mask;
  size_t count = 0;
  bool init(Scratch& s, size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    slots = s.alloc<uint32_t>(cap);
    mask = cap - 1;
    return slots != nullptr;
  }
  void add(uint32_t id) {
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
};

}  // namespace

void line_start(JsonWriter& w, const char* type, unsigned seq) {
  w.raw("{\"type\":").str(type).key("pid").i64(sys::getpid()).key("seq").u64(seq);
  w.key("run").str(run_id());
}

namespace {

void write_stack(JsonWriter& w, unsigned seq, uint32_t id, const Symbolizer& sym) {
  line_start(w, "stack", seq);
  w.key("id").u64(id).key("frames");
  StackView st = stack_frames(id);
  if (lang::is_lang_stack(st)) write_lang_frames(w, st);
  else write_frames(w, st, sym, false);
  w.raw("}\n");
}

int write_dump_locked(Reason reason, const char* path_override, const char* trigger,
                      unsigned seq) {
  const uint64_t now_mono = sys::coarse_monotonic_ns();  // the clock of the records
  const uint64_t now_real = sys::realtime_ns();

  struct rlimit lim{};
  sys::ops.getrlimit_nofile(&lim);
  size_t cap = lim.rlim_cur < (1u << 20) ? (size_t)lim.rlim_cur + 64 : (1u << 20);
  Scratch scratch(size_t(512) << 20);
  int* fds = scratch.alloc<int>(cap);
  constexpr size_t kDirBuf = 32 * 1024;
  char* dirbuf = scratch.alloc<char>(kDirBuf);
  ProcessFacts* facts = scratch.alloc<ProcessFacts>(1);
  if (!fds || !dirbuf || !facts) return -ENOMEM;

  // At most one descriptor of the dump's is open at any time (this
  // directory, then /proc/self/maps, each ELF file, the output), so the one
  // reserved descriptor is enough when the process is at its limit.
  long dir = open_with_reserve([] {
    return sys::ops.openat(AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  });
  if (dir < 0) return (int)dir;
  size_t nfds = list_open_fds((int)dir, fds, cap, dirbuf, kDirBuf);
  sys::ops.close((int)dir);

  // Snapshot the records of the descriptors that are really open. A record
  // whose descriptor is not in /proc/self/fd is never reported.
  Entry* entries = scratch.alloc<Entry>(nfds + 1);
  IdSet stacks;
  if (!entries || !stacks.init(scratch, nfds * 2 + 1)) return -ENOMEM;
  // Each descriptor is described now, before the dump opens anything that
  // could take the number of one another thread closes meanwhile; one
  // closed since the listing is left out.
  size_t tracked = 0, skipped = 0, kept = 0;
  FdDescription* desc = scratch.alloc<FdDescription>(1);
  if (!desc) return -ENOMEM;
  for (size_t i = 0; i < nfds; ++i) {
    Entry& e = entries[kept];
    e = Entry{};
    e.fd = fds[i];
    FdSlot* s = fd_table().slot(e.fd, false);
    bool busy = false;
    if (s && s->rec.state == SlotState::kOpen) {
      if (read_slot(*s, &e.rec) && e.rec.state == SlotState::kOpen) e.tracked = true;
      else busy = e.rec.state != SlotState::kOpen;  // being written: reported untracked
    }
    if (!describe_fd(e.fd, e.tracked ? &e.rec : nullptr, desc)) continue;
    skipped += busy;
    size_t len = strlen(desc->target);
    char* target = scratch.alloc<char>(len + 1);
    if (!target) return -ENOMEM;
    memcpy(target, desc->target, len + 1);
    e.kind = desc->kind;
    e.target = target;
    if (e.tracked) {
      ++tracked;
      stacks.add(e.rec.stack);
      stacks.add(e.rec.connect_stack);
      stacks.add(e.rec.lang_stack);
    }
    ++kept;
  }
  nfds = kept;

  // Resolve every frame of every referenced stack.
  size_t nframes = 0;
  for (size_t i = 0; i <= stacks.mask; ++i) nframes += stack_frames(stacks.slots[i]).depth;
  uintptr_t* addrs = scratch.alloc<uintptr_t>(nframes + 1);
  Symbolizer sym;
  if (addrs) {
    size_t k = 0;
    for (size_t i = 0; i <= stacks.mask; ++i) {
      StackView st = stack_frames(stacks.slots[i]);
      for (unsigned j = 0; j < st.depth; ++j)
        if (!lang::is_lang_word(st.frames[j])) addrs[k++] = st.frames[j];
    }
    sym.resolve(scratch, addrs, k);
  }

  gather_process_facts(scratch, facts);

  bool close_after = false;
  char path[kPathMax] = "";
  int out = output_open(path_override, &close_after, path, sizeof(path));
  if (out < 0) {
    LineBuf line;
    line.add("fdscope: pid ").add_i64(sys::getpid()).add(": cannot write dump to ").add(path);
    line.add(": ").add(errno_text(-out)).add("\n");
    log_line_stderr(line.c_str());
    sym.release();
    return out;
  }
  if (close_after) add_own_fd(out);

  char* buf = scratch.alloc<char>(64 * 1024);
  JsonWriter w(out, buf, buf ? 64 * 1024 : 0);
  char when[32];
  format_utc_iso8601(now_real, when);

  line_start(w, "header", seq);
  w.key("format").u64(kFormatVersion).key("fdscope").str(FDSCOPE_VERSION);
  w.key("reason").str(reason_name(reason));
  if (trigger) w.key("trigger").str(trigger);
  w.key("ppid").i64(sys::getppid());
  write_process_fields(w, *facts);
  w.key("time").str(when).key("time_ms").u64(now_real / 1000000);
  w.key("rlimit_soft").u64(lim.rlim_cur).key("rlimit_hard").u64(lim.rlim_max);
  w.key("open").u64(nfds).key("tracked").u64(tracked);
  w.key("stacks_interned").u64(stack_count()).raw("}\n");

  size_t modules = 0;
  for (size_t i = 0; i < sym.module_count(); ++i) {
    const Module& m = sym.modules()[i];
    if (!m.used) continue;
    ++modules;
    line_start(w, "module", seq);
    w.key("id").u64(i).key("path").str(m.path).key("base").hex(m.bias);
    w.key("build_id").str(m.build_id).raw("}\n");
  }
  for (size_t i = 0; i <= stacks.mask; ++i)
    if (stacks.slots[i]) write_stack(w, seq, stacks.slots[i], sym);

  SiteTally tally;
  bool tallying = tally.init(scratch, stacks.count + 1);
  for (size_t i = 0; i < nfds; ++i) {
    const Entry& e = entries[i];
    if (tallying && e.tracked) tally.add(e.rec.stack, e.target, sym);
    line_start(w, "fd", seq);
    w.key("fd").i64(e.fd).key("kind").str(e.kind).key("target").str(e.target);
    w.key("tracked").boolean(e.tracked);
    if (e.tracked) {
      const FdRecord& r = e.rec;
      uint64_t age_ms = now_mono > r.created_mono_ns ? (now_mono - r.created_mono_ns) / 1000000 : 0;
      w.key("call").str(call_name(r.call)).key("flags").i64(r.flags);
      w.key("time_ms").u64(now_real / 1000000 - age_ms).key("age_ms").u64(age_ms);
      w.key("tid").i64(r.tid).key("thread").str(r.thread, strnlen(r.thread, sizeof(r.thread)));
      w.key("stack").u64(r.stack);
      if (r.connect_stack) w.key("connect_stack").u64(r.connect_stack);
      if (r.lang_stack) w.key("lang_stack").u64(r.lang_stack);
    }
    w.raw("}\n");
  }
  line_start(w, "end", seq);
  w.key("fds").u64(nfds).key("stacks").u64(stacks.count).key("modules").u64(modules);
  w.key("skipped").u64(skipped).raw("}\n");
  w.flush();

  if (close_after) {
    drop_own_fd(out);
    sys::ops.close(out);
  }
  int err = w.error();
  if (tallying)
    tally.write_log({reason, seq, nfds, tracked, lim.rlim_cur, path, err}, sym);
  if (tallying && options().metrics == Metrics::kEmf)
    tally.write_emf({reason, seq, nfds, tracked, lim.rlim_cur, path, err}, sym);
  sym.release();
  return err;
}

}  // namespace

const char* reason_name(Reason r) {
  switch (r) {
    case Reason::kThreshold: return "threshold";
    case Reason::kEmfile: return "emfile";
    case Reason::kSignal: return "signal";
    case Reason::kExit: return "exit";
    case Reason::kRequest: return "request";
  }
  return "request";
}

int write_dump(Reason reason, const char* path, const char* trigger) {
  ShimScope scope;
  const bool automatic = reason != Reason::kRequest;
  if (automatic && g_automatic.load() >= options().max_dumps) return -ECANCELED;
  if (!try_lock_output()) return -EBUSY;
  if (automatic) g_automatic.fetch_add(1);
  unsigned seq = g_seq.fetch_add(1) + 1;
  int r = write_dump_locked(reason, path, trigger, seq);
  reserve_restore();
  unlock_output();
  return r;
}

bool try_lock_output() {
  bool expected = false;
  return g_busy.compare_exchange_strong(expected, true, std::memory_order_acquire);
}

void unlock_output() { g_busy.store(false, std::memory_order_release); }

void dump_after_fork() {
  g_seq.store(0);
  g_automatic.store(0);
  g_busy.store(false);
  output_after_fork();
  process_info_after_fork();
}

}  // namespace fdscope
