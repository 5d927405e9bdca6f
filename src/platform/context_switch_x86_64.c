/* context_switch_x86_64.c: the fiber switch for x86-64, System V ABI (ELF hosts).
 *
 * pssim__fiber_swap(save, to) pushes what the ABI says a callee preserves (rbx, rbp, r12-r15)
 * and the control half of the floating-point state (MXCSR and the x87 control word; the status
 * flags are not preserved across calls), stores rsp in *save, loads `to` into rsp and pops the
 * same layout from the other stack. Everything else is caller-saved, so the C compiler has
 * already spilled whatever it needs. The saved frame, from the stored stack pointer upward:
 *
 *   +0  MXCSR (4 bytes), x87 control word (2 bytes), 2 bytes of zero
 *   +8  r15   +16 r14   +24 r13   +32 r12   +40 rbx   +48 rbp   +56 return address
 *
 * A fresh stack gets the same frame with the return address of pssim__fiber_boot, r12 = the
 * argument and r13 = the start function, so the first swap into it "returns" to the boot code,
 * which calls start(arg) with the stack aligned as the ABI wants (rsp + 8 a multiple of 16 at
 * the callee's first instruction). The boot frame marks the return address undefined so that
 * debuggers and unwinders stop there. */
#include "platform/context_impl.h"

#if defined(PSSIM_FIBERS_ASM_X86_64)

__asm__(".text\n"
        ".globl pssim__fiber_swap\n"
        ".hidden pssim__fiber_swap\n"
        ".type pssim__fiber_swap,@function\n"
        ".p2align 4\n"
        "pssim__fiber_swap:\n"
        ".cfi_startproc\n"
        "  pushq %rbp\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset %rbp, 0\n"
        "  pushq %rbx\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset %rbx, 0\n"
        "  pushq %r12\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset %r12, 0\n"
        "  pushq %r13\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset %r13, 0\n"
        "  pushq %r14\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset %r14, 0\n"
        "  pushq %r15\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset %r15, 0\n"
        "  pushq $0\n" /* the two unused bytes stay zero: the slot compares as a whole */
        "  .cfi_adjust_cfa_offset 8\n"
        "  stmxcsr (%rsp)\n"
        "  fnstcw 4(%rsp)\n"
        "  movq (%rsp), %rax\n"
        "  movq %rsp, (%rdi)\n"
        /* From here on the frame is the other context's, with the same layout. */
        "  movq %rsi, %rsp\n"
        /* Loading MXCSR and the x87 control word costs more than the rest of the switch; most
         * switches find them equal. */
        "  cmpq (%rsp), %rax\n"
        "  je 1f\n"
        "  ldmxcsr (%rsp)\n"
        "  fldcw 4(%rsp)\n"
        "1:\n"
        "  addq $8, %rsp\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  popq %r15\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  .cfi_restore %r15\n"
        "  popq %r14\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  .cfi_restore %r14\n"
        "  popq %r13\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  .cfi_restore %r13\n"
        "  popq %r12\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  .cfi_restore %r12\n"
        "  popq %rbx\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  .cfi_restore %rbx\n"
        "  popq %rbp\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  .cfi_restore %rbp\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size pssim__fiber_swap, .-pssim__fiber_swap\n"
        "\n"
        ".globl pssim__fiber_boot\n"
        ".hidden pssim__fiber_boot\n"
        ".type pssim__fiber_boot,@function\n"
        ".p2align 4\n"
        "pssim__fiber_boot:\n"
        ".cfi_startproc\n"
        ".cfi_undefined %rip\n"
        "  movq %r12, %rdi\n"
        "  callq *%r13\n"
        "  ud2\n" /* start never returns */
        ".cfi_endproc\n"
        ".size pssim__fiber_boot, .-pssim__fiber_boot\n");

void pssim__fiber_boot(void);

#define MXCSR_DEFAULT 0x1F80u  /* all exceptions masked, round to nearest */
#define X87_CW_DEFAULT 0x037Fu /* the same, 64-bit precision */

void *pssim__fiber_frame(uintptr_t top, void (*start)(void *), void *arg)
{
    uintptr_t s = top & ~(uintptr_t)15;
    uint64_t *f = (uint64_t *)(s - 80);
    f[0] = (uint64_t)MXCSR_DEFAULT | ((uint64_t)X87_CW_DEFAULT << 32);
    f[1] = 0;                                      /* r15 */
    f[2] = 0;                                      /* r14 */
    f[3] = (uint64_t)(uintptr_t)start;             /* r13 */
    f[4] = (uint64_t)(uintptr_t)arg;               /* r12 */
    f[5] = 0;                                      /* rbx */
    f[6] = 0;                                      /* rbp: the end of the frame-pointer chain */
    f[7] = (uint64_t)(uintptr_t)pssim__fiber_boot; /* return address */
    f[8] = 0;                                      /* rsp here at boot: 16-byte aligned */
    f[9] = 0;
    return f;
}

#endif
