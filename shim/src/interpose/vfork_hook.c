/* SPDX-License-Identifier: MIT */
/* vfork(): the child runs on its parent's memory, stack and thread (TLS
 * included) until it execs or exits, and programs do call close(), dup2()
 * and close_range() in it (Python's subprocess does). Those calls act on
 * the child's descriptor table, not the parent's, so the shim must not
 * record them in the shared state.
 *
 * A C wrapper cannot call vfork() (the child would return through the
 * wrapper's frame, which the parent then returns through again). This one is
 * glibc's own sequence - the return address is popped into a register so the
 * child cannot clobber it on the shared stack - plus one store: the child sets
 * a thread-local flag, which the parent clears when it resumes. Only the
 * vforking thread's TLS is touched; the parent's other threads go on
 * recording. The hooks check the flag first (owns_process), at the cost of
 * one TLS load instead of a getpid() system call per call.
 *
 * x86_64 only; elsewhere owns_process() compares getpid() (tracker.cpp).
 * Not for processes with a CET shadow stack (glibc >= 2.39 with kernel
 * support; not enabled by Debian 12 or Amazon Linux). */
#include <errno.h>

__thread int fdscope_in_vfork_child
    __attribute__((tls_model("initial-exec"), visibility("hidden")));

#if defined(__x86_64__)

/* The error path, in the parent (no child exists): errno and -1. */
__attribute__((visibility("hidden"), used)) int fdscope_vfork_failed(int err) {
  errno = err;
  return -1;
}

__asm__(
    ".text\n"
    ".globl vfork\n"
    ".type vfork,@function\n"
    "vfork:\n"
    "  .cfi_startproc\n"
    "  popq %rdi\n"                 /* return address, off the shared stack */
    "  .cfi_adjust_cfa_offset -8\n"
    "  .cfi_register %rip, %rdi\n"
    "  movl $58, %eax\n"            /* SYS_vfork */
    "  syscall\n"
    "  pushq %rdi\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  .cfi_rel_offset %rip, 0\n"
    "  cmpq $-4095, %rax\n"
    "  jae 2f\n"
    "  movq fdscope_in_vfork_child@gottpoff(%rip), %rcx\n"
    "  testl %eax, %eax\n"
    "  jnz 1f\n"
    "  movl $1, %fs:(%rcx)\n"       /* child */
    "  ret\n"
    "1:\n"
    "  movl $0, %fs:(%rcx)\n"       /* parent, resumed */
    "  ret\n"
    "2:\n"
    "  movl %eax, %edi\n"
    "  negl %edi\n"
    "  jmp fdscope_vfork_failed\n"
    "  .cfi_endproc\n"
    ".size vfork, .-vfork\n");

#endif
