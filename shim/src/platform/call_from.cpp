// SPDX-License-Identifier: MIT
#include "platform/call_from.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>

#include "platform/raw_syscall.h"

#if defined(__x86_64__)

// void* fdscope_call_returning_via(fn, file, mode, gadget): jumps to fn with
// the stack [gadget, continuation], aligned as at a call; fn returns to
// the gadget's `ret`, which returns to the continuation. A frame-pointer
// frame, described for unwinders.
extern "C" void* fdscope_call_returning_via(void* fn, const char* file, long mode,
                                            const void* gadget);
__asm__(
    ".text\n"
    ".globl fdscope_call_returning_via\n"
    ".hidden fdscope_call_returning_via\n"
    ".type fdscope_call_returning_via,@function\n"
    "fdscope_call_returning_via:\n"
    "  .cfi_startproc\n"
    "  pushq %rbp\n"
    "  .cfi_def_cfa_offset 16\n"
    "  .cfi_offset %rbp, -16\n"
    "  movq %rsp, %rbp\n"
    "  .cfi_def_cfa_register %rbp\n"
    "  movq %rdi, %rax\n"
    "  movq %rsi, %rdi\n"
    "  movq %rdx, %rsi\n"
    "  subq $8, %rsp\n"
    "  leaq 1f(%rip), %rdx\n"
    "  pushq %rdx\n"
    "  pushq %rcx\n"
    "  jmpq *%rax\n"
    "1:\n"
    "  movq %rbp, %rsp\n"
    "  popq %rbp\n"
    "  .cfi_def_cfa %rsp, 8\n"
    "  ret\n"
    "  .cfi_endproc\n"
    ".size fdscope_call_returning_via, .-fdscope_call_returning_via\n");

namespace fdscope {
namespace {

// A function's epilogue, ending in `ret`: pop %rbp / %rbx / %r12-%r15, or
// leave. At that `ret` a module's unwind tables say the return address is
// on the top of the stack, so stacks taken inside dlopen (a constructor
// opening a file) unwind through it to the hook.
bool is_epilogue_ret(const unsigned char* p) {
  if (p[0] != 0xc3) return false;
  unsigned char a = p[-1];
  if (a == 0x5d || a == 0x5b || a == 0xc9) return true;
  return p[-2] == 0x41 && a >= 0x5c && a <= 0x5f;
}

struct Search {
  uintptr_t caller;
  uintptr_t found = 0;
};

int search_module(dl_phdr_info* info, size_t, void* data) {
  Search* s = static_cast<Search*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph.p_vaddr, hi = lo + ph.p_filesz;
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X) || s->caller < lo || s->caller >= hi)
      continue;
    // The nearest one after the call, then before it: in the same segment.
    const unsigned char* seg = reinterpret_cast<const unsigned char*>(lo);
    size_t at = s->caller - lo, len = hi - lo;
    for (size_t k = at > 2 ? at : 2; k < len; ++k)
      if (is_epilogue_ret(seg + k)) return s->found = lo + k, 1;
    for (size_t k = at; k-- > 2;)
      if (is_epilogue_ret(seg + k)) return s->found = lo + k, 1;
    return 1;
  }
  return 0;
}

bool shadow_stack_active() {
  unsigned long features = 0;
  constexpr long kArchShstkStatus = 0x5005;
  long r = raw_syscall(SYS_arch_prctl, kArchShstkStatus, &features);
  return r == 0 && (features & 1);
}

}  // namespace

void* dlopen_from(DlopenFn dlopen_fn, const char* file, int mode, const void* caller) {
  static const bool shstk = shadow_stack_active();
  Search s{reinterpret_cast<uintptr_t>(caller)};
  if (!shstk) dl_iterate_phdr(search_module, &s);
  uintptr_t gadget = s.found;
  if (!gadget) return dlopen_fn(file, mode);
  return fdscope_call_returning_via(reinterpret_cast<void*>(dlopen_fn), file, mode,
                                    reinterpret_cast<const void*>(gadget));
}

}  // namespace fdscope

#else

namespace fdscope {
void* dlopen_from(DlopenFn dlopen_fn, const char* file, int mode, const void*) {
  return dlopen_fn(file, mode);
}
}  // namespace fdscope

#endif
