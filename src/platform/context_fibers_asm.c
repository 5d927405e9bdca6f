/* context_fibers_asm.c: the fibers backend on the hand-written switch (x86-64 and AArch64 ELF
 * hosts). Every context runs on the OS thread that created the executor; a switch is one call
 * to pssim__fiber_swap, which saves about a dozen registers and loads the other context's. */
#include <stdlib.h>

#include "platform/context_impl.h"

#if defined(PSSIM_FIBERS_ASM_X86_64) || defined(PSSIM_FIBERS_ASM_AARCH64)

typedef struct fib_context {
    pssim_context base;
    void *sp; /* saved stack pointer while the context is not running */
} fib_context;

#define F(c) ((fib_context *)(void *)(c))

/* The first code of every fresh context, called by the boot code on the new stack. */
static void fib_start(void *arg)
{
    pssim_context *c = arg;
    pssim__fiber_san_after_switch(c);
    pssim__context_run_entry(c);
}

static int fib_exec_init(pssim_exec *e)
{
    (void)e;
    return pssim__altstack_acquire_for_thread();
}

static void fib_exec_fini(pssim_exec *e)
{
    (void)e;
    pssim__altstack_release_for_thread();
}

static int fib_context_init(pssim_exec *e, pssim_context *c)
{
    (void)e;
    F(c)->sp = pssim__fiber_frame(c->hi, fib_start, c);
    return 0;
}

static void fib_context_fini(pssim_exec *e, pssim_context *c)
{
    (void)e;
    (void)c;
}

static void fib_switch(pssim_exec *e, pssim_context *from, pssim_context *to)
{
    (void)e;
    pssim__fiber_san_before_switch(from, to);
    pssim__fiber_swap(&F(from)->sp, F(to)->sp);
    pssim__fiber_san_after_switch(from);
}

/* On the alternate signal stack of the overflowed context: switch straight to main. The
 * handler's frame is abandoned; SA_NODEFER left the signal unblocked, and the kernel finds this
 * thread off its alternate stack as soon as rsp/sp points elsewhere. */
static void fib_overflow_escape(pssim_exec *e, pssim_context *c)
{
    pssim__fiber_san_before_final_switch(e->main);
    /* The dead context's own slot receives the abandoned stack pointer (not a local: under
     * AddressSanitizer's use-after-return mode locals live on a fake stack that the call
     * above has just released). */
    pssim__fiber_swap(&F(c)->sp, F(e->main)->sp);
    abort(); /* never resumed */
}

static const pssim__backend fib_backend = {
    .exec_size = sizeof(pssim_exec),
    .context_size = sizeof(fib_context),
    .maps_stacks = true,
    .stack_extra = NULL,
    .exec_init = fib_exec_init,
    .exec_fini = fib_exec_fini,
    .context_init = fib_context_init,
    .context_fini = fib_context_fini,
    .switch_to = fib_switch,
    .overflow_escape = fib_overflow_escape,
    .current = NULL,
    .runs_here = NULL,
};

const pssim__backend *pssim__fibers_backend(void)
{
#if defined(PSSIM_CTX_TSAN)
    (void)&fib_backend;
    return NULL; /* ThreadSanitizer: use the threads backend (context_impl.h says why) */
#else
    return &fib_backend;
#endif
}

#endif
