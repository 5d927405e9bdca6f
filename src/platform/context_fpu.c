/* context_fpu.c: the rounding mode of the running context's floating-point unit, read and set
 * without libm (the library does not link it), and the default state every context starts with.
 * x86-64 (any OS): MXCSR.RC, and the x87 control word's RC when setting; AArch64: FPCR.RMode.
 * Elsewhere: not supported (-1 / false), and contexts start with what the backend gives them. */
#include "platform/context_impl.h"

#if defined(__GNUC__) && defined(__x86_64__)

int pssim__fp_rounding(void)
{
    unsigned mxcsr;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    return (int)((mxcsr >> 13) & 3u); /* 0 nearest, 1 down, 2 up, 3 toward zero */
}

bool pssim__fp_set_rounding(int mode)
{
    if (mode < 0 || mode > 3)
        return false;
    unsigned mxcsr;
    unsigned short cw;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    mxcsr = (mxcsr & ~(3u << 13)) | ((unsigned)mode << 13);
    cw = (unsigned short)((cw & ~(3u << 10)) | ((unsigned)mode << 10));
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
    __asm__ volatile("fldcw %0" : : "m"(cw));
    return true;
}

void pssim__fp_reset_default(void)
{
    unsigned mxcsr = 0x1F80u;    /* all exceptions masked, round to nearest */
    unsigned short cw = 0x037Fu; /* the same, 64-bit precision */
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
    __asm__ volatile("fldcw %0" : : "m"(cw));
}

uint64_t pssim__fp_control_save(void)
{
    unsigned mxcsr;
    unsigned short cw;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return (uint64_t)mxcsr | ((uint64_t)cw << 32);
}

void pssim__fp_control_restore(uint64_t state)
{
    unsigned mxcsr = (unsigned)(state & 0xFFFFFFFFu);
    unsigned short cw = (unsigned short)(state >> 32);
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
    __asm__ volatile("fldcw %0" : : "m"(cw));
}

#elif defined(__GNUC__) && defined(__aarch64__)

/* FPCR.RMode (bits 23:22): 0 nearest, 1 toward +inf, 2 toward -inf, 3 toward zero. */
static const int to_rmode[4] = {0, 2, 1, 3}; /* PSSIM_FP_ROUND_* -> RMode */
static const int from_rmode[4] = {0, 2, 1, 3};

int pssim__fp_rounding(void)
{
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    return from_rmode[(fpcr >> 22) & 3u];
}

bool pssim__fp_set_rounding(int mode)
{
    if (mode < 0 || mode > 3)
        return false;
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr = (fpcr & ~((uint64_t)3 << 22)) | ((uint64_t)to_rmode[mode] << 22);
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
    return true;
}

void pssim__fp_reset_default(void)
{
    uint64_t fpcr = 0; /* round to nearest, no traps, no flush-to-zero */
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
}

uint64_t pssim__fp_control_save(void)
{
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    return fpcr;
}

void pssim__fp_control_restore(uint64_t state)
{
    __asm__ volatile("msr fpcr, %0" : : "r"(state));
}

#else

int pssim__fp_rounding(void)
{
    return -1;
}

bool pssim__fp_set_rounding(int mode)
{
    (void)mode;
    return false;
}

void pssim__fp_reset_default(void)
{
}

uint64_t pssim__fp_control_save(void)
{
    return 0;
}

void pssim__fp_control_restore(uint64_t state)
{
    (void)state;
}

#endif
