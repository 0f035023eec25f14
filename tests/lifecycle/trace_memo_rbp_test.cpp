// The capture's memo leaves out RBP values its walk computed nothing from
// (cmake/libunwind/trace-unused-rbp.patch): code built without frame
// pointers keeps data in RBP, different at every call, and comparing it
// made every capture from such code walk again. These tests hold it to the
// other half: an RBP the walk does use (a frame whose CFA is RBP-based)
// is still compared.
//
// Two small assembly functions call fn with RBP set to their second
// argument, with unwind information to match:
// - rbp_data: RBP holds data; its own CFA is RSP-based, so the walk reads
//   the data (saved by fn's prologue) and never uses it;
// - rbp_hop: RBP points to a frame record {caller's RBP, return address},
//   and its CFA is RBP-based: the walk goes on from the record, so which
//   record it is decides the frames above.
// Built with frame pointers (CMakeLists.txt), so fn saves RBP.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lifecycle_util.h"

extern "C" void rbp_data(void (*fn)(), uintptr_t data);
extern "C" void rbp_hop(void (*fn)(), const uintptr_t* record);

__asm__(R"(
  .text
  .globl rbp_data
  .type rbp_data, @function
rbp_data:
  .cfi_startproc
  pushq %rbp
  .cfi_def_cfa_offset 16
  .cfi_offset %rbp, -16
  movq %rsi, %rbp
  callq *%rdi
  popq %rbp
  .cfi_def_cfa_offset 8
  .cfi_restore %rbp
  ret
  .cfi_endproc
  .size rbp_data, .-rbp_data

  .globl rbp_hop
  .type rbp_hop, @function
rbp_hop:
  .cfi_startproc
  pushq %rbp
  .cfi_def_cfa_offset 16
  .cfi_offset %rbp, -16
  movq %rsi, %rbp
  .cfi_def_cfa %rbp, 16
  callq *%rdi
  .cfi_def_cfa %rsp, 16
  popq %rbp
  .cfi_def_cfa_offset 8
  .cfi_restore %rbp
  ret
  .cfi_endproc
  .size rbp_hop, .-rbp_hop
)");

namespace {

using fdscope::test::Dump;

std::vector<int> g_fds;

__attribute__((noinline)) void open_it() {
  g_fds.push_back(open("/dev/null", O_RDONLY));
  __asm__ volatile("" ::: "memory");
}

// Its caller's return address: a place in the caller to "return" to.
__attribute__((noinline)) uintptr_t here() {
  return reinterpret_cast<uintptr_t>(__builtin_return_address(0));
}

// Two frame records at different addresses, each "returning" into its own
// marker function and from there to drive_hop's caller: the only
// difference between the two paths' stack words, below the records, is
// which one RBP points to. If the walk's use of that RBP were not
// compared, the second path would get the first one's stack.
uintptr_t g_record_a[2], g_record_b[2];
volatile int g_sink;

__attribute__((noinline)) void marker_a() {
  g_record_a[1] = here();
  g_sink = 1;
}
__attribute__((noinline)) void marker_b() {
  g_record_b[1] = here();
  g_sink = 2;
}

__attribute__((noinline)) void drive_hop(uintptr_t* record) {
  record[0] = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  rbp_hop(open_it, record);
  g_sink = 0;
}

__attribute__((noinline)) void with_data(uintptr_t data) {
  rbp_data(open_it, data);
  g_sink = 3;
}

// The run's tracked descriptors by the first of `names` on their stack
// ("wrong: ..." without open_it or with more than one of them).
std::map<std::string, int> by_name(const Dump& d, const std::vector<std::string>& names) {
  std::map<std::string, int> n;
  for (const auto* e : d.tracked()) {
    if (std::find(g_fds.begin(), g_fds.end(), e->fd) == g_fds.end()) continue;
    std::string which = "none";
    int found = 0;
    for (const auto& name : names)
      if (d.stack_has(e->stack, name.c_str())) which = name, ++found;
    if (found != 1 || !d.stack_has(e->stack, "open_it"))
      which = "wrong: " + d.describe_stack(e->stack);
    ++n[which];
  }
  return n;
}

void close_all() {
  for (int fd : g_fds) close(fd);
  g_fds.clear();
}

}  // namespace

TEST(LifecycleTraceMemoRbp, AnRbpTheWalkUsesIsCompared) {
  ASSERT_TRUE(fdscope::test::shim_loaded());
  marker_a();
  marker_b();
  for (int i = 0; i < 90; ++i) drive_hop(i < 80 && i % 2 ? g_record_b : g_record_a);
  std::map<std::string, int> want{{"marker_a", 50}, {"marker_b", 40}};
  EXPECT_EQ(by_name(fdscope::test::dump_now(), {"marker_a", "marker_b"}), want);
  close_all();
}

TEST(LifecycleTraceMemoRbp, DataInRbpGivesOneStack) {
  ASSERT_TRUE(fdscope::test::shim_loaded());
  for (uintptr_t i = 0; i < 100; ++i) with_data(0x5a5a0000 + i * 4096);
  const Dump d = fdscope::test::dump_now();
  std::map<std::string, int> want{{"with_data", 100}};
  EXPECT_EQ(by_name(d, {"with_data"}), want);
  std::set<uint32_t> stacks;
  for (const auto* e : d.tracked())
    if (std::find(g_fds.begin(), g_fds.end(), e->fd) != g_fds.end()) stacks.insert(e->stack);
  EXPECT_EQ(stacks.size(), 1u) << "the data in RBP made stacks of their own";
  close_all();
}
