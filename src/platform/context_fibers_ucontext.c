/* context_fibers_ucontext.c: the fibers backend on makecontext/swapcontext, for POSIX hosts
 * without a hand-written switch. Slower (glibc's swapcontext makes a sigprocmask system call per
 * switch) but portable; it saves the floating-point control state as the C library defines it
 * (glibc: MXCSR and the x87 environment on x86-64, FPCR on AArch64). */
#if !defined(_WIN32)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* ucontext is XSI; glibc hides it under strict C11 */
#endif
#include <errno.h>
#include <stdlib.h>
#endif

#include "platform/context_impl.h"

#if defined(PSSIM_FIBERS_UCONTEXT)

#include <ucontext.h>

typedef struct uc_context {
    pssim_context base;
    ucontext_t uc;
} uc_context;

#define U(c) ((uc_context *)(void *)(c))

/* makecontext passes int arguments only: the context pointer travels in two 32-bit halves. */
static void uc_start(unsigned hi, unsigned lo)
{
    uintptr_t p = (uintptr_t)(((uint64_t)hi << 32) | (uint64_t)lo);
    pssim_context *c = (pssim_context *)p;
    pssim__fiber_san_after_switch(c);
    pssim__context_run_entry(c);
}

static int uc_exec_init(pssim_exec *e)
{
    (void)e;
    return pssim__altstack_acquire_for_thread();
}

static void uc_exec_fini(pssim_exec *e)
{
    (void)e;
    pssim__altstack_release_for_thread();
}

static int uc_context_init(pssim_exec *e, pssim_context *c)
{
    (void)e;
    ucontext_t *uc = &U(c)->uc;
    if (getcontext(uc) != 0)
        return ENOMEM;
    uc->uc_stack.ss_sp = (void *)c->lo;
    uc->uc_stack.ss_size = (size_t)(c->hi - c->lo);
    uc->uc_stack.ss_flags = 0;
    uc->uc_link = NULL;
    uint64_t p = (uint64_t)(uintptr_t)c;
    makecontext(uc, (void (*)(void))uc_start, 2, (unsigned)(p >> 32), (unsigned)(p & 0xFFFFFFFFu));
    return 0;
}

static void uc_context_fini(pssim_exec *e, pssim_context *c)
{
    (void)e;
    (void)c;
}

static void uc_switch(pssim_exec *e, pssim_context *from, pssim_context *to)
{
    (void)e;
    pssim__fiber_san_before_switch(from, to);
    swapcontext(&U(from)->uc, &U(to)->uc);
    pssim__fiber_san_after_switch(from);
}

/* On the alternate signal stack: load main's context, signal mask included. */
static void uc_overflow_escape(pssim_exec *e, pssim_context *c)
{
    (void)c;
    pssim__fiber_san_before_final_switch(e->main);
    setcontext(&U(e->main)->uc);
    abort();
}

static const pssim__backend uc_backend = {
    .exec_size = sizeof(pssim_exec),
    .context_size = sizeof(uc_context),
    .maps_stacks = true,
    .stack_extra = NULL,
    .exec_init = uc_exec_init,
    .exec_fini = uc_exec_fini,
    .context_init = uc_context_init,
    .context_fini = uc_context_fini,
    .switch_to = uc_switch,
    .overflow_escape = uc_overflow_escape,
    .current = NULL,
    .runs_here = NULL,
};

const pssim__backend *pssim__fibers_backend(void)
{
#if defined(PSSIM_CTX_TSAN)
    (void)&uc_backend;
    return NULL; /* ThreadSanitizer: use the threads backend (context_impl.h says why) */
#else
    return &uc_backend;
#endif
}

#endif
