/* context_switch_aarch64.c: the fiber switch for AArch64, AAPCS64 (ELF hosts).
 *
 * pssim__fiber_swap(save, to) stores what the procedure call standard says a callee preserves
 * (x19-x28, the frame pointer x29, the link register x30, the low halves d8-d15 of v8-v15) and
 * the floating-point control register FPCR (rounding mode and friends belong to the context),
 * stores sp in *save, loads `to` into sp, loads the same layout from the other stack and returns
 * through the restored x30. The saved frame, 176 bytes from the stored stack pointer upward:
 *
 *   +0 x19 x20   +16 x21 x22   +32 x23 x24   +48 x25 x26   +64 x27 x28   +80 x29 x30
 *   +96 d8 d9    +112 d10 d11  +128 d12 d13  +144 d14 d15  +160 FPCR     +168 unused
 *
 * A fresh stack gets the same frame with x30 = pssim__fiber_boot, x19 = the argument and x20 =
 * the start function: the first swap into it returns to the boot code, which calls start(arg)
 * with sp 16-byte aligned and x29 = 0 (the end of the frame chain). */
#include "platform/context_impl.h"

#if defined(PSSIM_FIBERS_ASM_AARCH64)

__asm__(".text\n"
        ".globl pssim__fiber_swap\n"
        ".hidden pssim__fiber_swap\n"
        ".type pssim__fiber_swap,%function\n"
        ".p2align 4\n"
        "pssim__fiber_swap:\n"
        ".cfi_startproc\n"
        "  sub sp, sp, #176\n"
        "  .cfi_adjust_cfa_offset 176\n"
        "  stp x19, x20, [sp, #0]\n"
        "  stp x21, x22, [sp, #16]\n"
        "  stp x23, x24, [sp, #32]\n"
        "  stp x25, x26, [sp, #48]\n"
        "  stp x27, x28, [sp, #64]\n"
        "  stp x29, x30, [sp, #80]\n"
        "  .cfi_rel_offset x29, 80\n"
        "  .cfi_rel_offset x30, 88\n"
        "  stp d8, d9, [sp, #96]\n"
        "  stp d10, d11, [sp, #112]\n"
        "  stp d12, d13, [sp, #128]\n"
        "  stp d14, d15, [sp, #144]\n"
        "  mrs x9, fpcr\n"
        "  str x9, [sp, #160]\n"
        "  mov x9, sp\n"
        "  str x9, [x0]\n"
        /* From here on the frame is the other context's, with the same layout. */
        "  mov sp, x1\n"
        "  ldr x9, [sp, #160]\n"
        "  msr fpcr, x9\n"
        "  ldp x19, x20, [sp, #0]\n"
        "  ldp x21, x22, [sp, #16]\n"
        "  ldp x23, x24, [sp, #32]\n"
        "  ldp x25, x26, [sp, #48]\n"
        "  ldp x27, x28, [sp, #64]\n"
        "  ldp x29, x30, [sp, #80]\n"
        "  ldp d8, d9, [sp, #96]\n"
        "  ldp d10, d11, [sp, #112]\n"
        "  ldp d12, d13, [sp, #128]\n"
        "  ldp d14, d15, [sp, #144]\n"
        "  add sp, sp, #176\n"
        "  .cfi_adjust_cfa_offset -176\n"
        "  .cfi_restore x29\n"
        "  .cfi_restore x30\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size pssim__fiber_swap, .-pssim__fiber_swap\n"
        "\n"
        ".globl pssim__fiber_boot\n"
        ".hidden pssim__fiber_boot\n"
        ".type pssim__fiber_boot,%function\n"
        ".p2align 4\n"
        "pssim__fiber_boot:\n"
        ".cfi_startproc\n"
        ".cfi_undefined x30\n"
        "  mov x0, x19\n"
        "  mov x29, #0\n"
        "  blr x20\n"
        "  brk #0x1\n" /* start never returns */
        ".cfi_endproc\n"
        ".size pssim__fiber_boot, .-pssim__fiber_boot\n");

void pssim__fiber_boot(void);

void *pssim__fiber_frame(uintptr_t top, void (*start)(void *), void *arg)
{
    uintptr_t s = top & ~(uintptr_t)15;
    uint64_t *f = (uint64_t *)(s - 176);
    for (int i = 0; i < 22; i++)
        f[i] = 0;
    f[0] = (uint64_t)(uintptr_t)arg;                /* x19 */
    f[1] = (uint64_t)(uintptr_t)start;              /* x20 */
    f[10] = 0;                                      /* x29 */
    f[11] = (uint64_t)(uintptr_t)pssim__fiber_boot; /* x30 */
    f[20] = 0;                                      /* FPCR: round to nearest, no traps */
    return f;
}

#endif
