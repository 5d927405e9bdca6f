/* context_fibers_win32.c: the fibers backend on Win32 fibers (mingw-w64). The thread that
 * creates the executor becomes a fiber (unless it is one already) and every context is a fiber
 * from CreateFiberEx, whose stack Windows reserves and guards itself.
 *
 * Windows chooses the stack's address, so a new fiber is primed: switched to once at creation,
 * it records its stack limits and registers them with the guard registry (the vectored
 * exception handler looks the faulting stack pointer up there), asks for a stack guarantee (room
 * for the handler after an overflow), and switches straight back. Its entry runs at the first
 * real switch. Floating-point control state: the switch saves and restores MXCSR and the x87
 * control word itself (Windows keeps them per fiber, Wine 8 does not). */
#if defined(_WIN32)
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0602 /* GetCurrentThreadStackLimits */
#endif
#include <errno.h>
#include <stdlib.h>
#include <windows.h>
#endif

#include "platform/context_impl.h"

#if defined(PSSIM_FIBERS_WIN32)

#define GUARANTEE ((ULONG)64 * 1024) /* stack kept for the handler after an overflow */

typedef struct w32f_exec {
    pssim_exec base;
    bool converted; /* the thread became a fiber for this executor: undo at the end */
} w32f_exec;

typedef struct w32f_context {
    pssim_context base;
    LPVOID fiber;
    LPVOID creator; /* the fiber to return to after priming */
    SIZE_T reserve; /* bytes reserved for the stack */
} w32f_context;

#define WE(e) ((w32f_exec *)(void *)(e))
#define W(c) ((w32f_context *)(void *)(c))

static VOID CALLBACK w32f_start(LPVOID arg)
{
    w32f_context *c = arg;
    pssim__win32_record_stack(&c->base, GUARANTEE);
    SwitchToFiber(c->creator); /* primed */
    pssim__context_run_entry(&c->base);
}

/* GetCurrentFiber reads the TEB through %gs; gcc 12 takes that for an out-of-bounds read. */
static LPVOID current_fiber(void)
{
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#endif
    return GetCurrentFiber();
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
}

static int w32f_exec_init(pssim_exec *e)
{
    if (IsThreadAFiber()) {
        W(e->main)->fiber = current_fiber();
        WE(e)->converted = false;
    } else {
        W(e->main)->fiber = ConvertThreadToFiberEx(NULL, FIBER_FLAG_FLOAT_SWITCH);
        if (!W(e->main)->fiber)
            return ENOMEM;
        WE(e)->converted = true;
    }
    return 0;
}

static void w32f_exec_fini(pssim_exec *e)
{
    if (WE(e)->converted)
        ConvertFiberToThread();
}

static int w32f_context_init(pssim_exec *e, pssim_context *c)
{
    size_t page = pssim__page_size();
    size_t reserve = c->map_size + GUARANTEE + 4 * page; /* map_size: the usable size asked */
    reserve = (reserve + 0xFFFF) & ~(size_t)0xFFFF;      /* the allocation granularity */
    c->map_size = 0;
    W(c)->reserve = reserve;
    W(c)->creator = W(atomic_load_explicit(&e->current, memory_order_relaxed))->fiber;
    W(c)->fiber = CreateFiberEx(page, reserve, FIBER_FLAG_FLOAT_SWITCH, w32f_start, c);
    if (!W(c)->fiber)
        return ENOMEM;
    SwitchToFiber(W(c)->fiber); /* prime: it records its stack and comes back */
    if (c->guard_slot < 0) {
        DeleteFiber(W(c)->fiber);
        return ENOMEM;
    }
    pssim__win32_count_stack((int64_t)reserve);
    return 0;
}

static void w32f_context_fini(pssim_exec *e, pssim_context *c)
{
    (void)e;
    if (W(c)->fiber) {
        DeleteFiber(W(c)->fiber);
        W(c)->fiber = NULL;
        pssim__win32_count_stack(-(int64_t)W(c)->reserve);
    }
}

static void w32f_switch(pssim_exec *e, pssim_context *from, pssim_context *to)
{
    (void)e;
    (void)from;
    /* Windows x64 keeps MXCSR and the x87 control word per fiber; Wine does not. */
    uint64_t fp = pssim__fp_control_save();
    SwitchToFiber(W(to)->fiber);
    pssim__fp_control_restore(fp);
}

/* In the vectored handler, on the dead fiber's stack (inside its guarantee). */
static void w32f_overflow_escape(pssim_exec *e, pssim_context *c)
{
    (void)c;
    SwitchToFiber(W(e->main)->fiber);
    abort();
}

static const pssim__backend w32f_backend = {
    .exec_size = sizeof(w32f_exec),
    .context_size = sizeof(w32f_context),
    .maps_stacks = false,
    .stack_extra = NULL,
    .exec_init = w32f_exec_init,
    .exec_fini = w32f_exec_fini,
    .context_init = w32f_context_init,
    .context_fini = w32f_context_fini,
    .switch_to = w32f_switch,
    .overflow_escape = w32f_overflow_escape,
    .current = NULL,
    .runs_here = NULL,
};

const pssim__backend *pssim__fibers_backend(void)
{
    return &w32f_backend;
}

#endif
