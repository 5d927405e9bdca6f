/* context_threads_win32.c: the threads backend on Win32 threads (mingw-w64). Every context is
 * a thread from CreateThread with a reserved stack that Windows guards, parked on its baton (a
 * semaphore) whenever it is not the running context; a switch releases `to`'s baton and waits
 * on `from`'s. At creation the thread records its stack limits (see context_fibers_win32.c) and
 * reports ready before it parks. Destroying a parked context sets its `die` flag and releases
 * its baton: the thread leaves from inside its pending wait with ExitThread (no unwinding, no
 * destructors), and the destroyer waits for it. */
#if defined(_WIN32)
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0602
#endif
#include <errno.h>
#include <stdlib.h>
#include <windows.h>
#endif

#include "platform/context_impl.h"

#if defined(PSSIM_CTX_WIN32)

#define GUARANTEE ((ULONG)64 * 1024)

typedef struct w32t_context {
    pssim_context base;
    HANDLE baton;
    HANDLE ready;
    HANDLE thread;
    SIZE_T reserve;
    volatile LONG die;
} w32t_context;

#define T(c) ((w32t_context *)(void *)(c))

static void baton_wait(w32t_context *t)
{
    WaitForSingleObject(t->baton, INFINITE);
    if (t->die)
        ExitThread(0);
}

/* The context this OS thread runs (NULL on threads that are not context threads). */
static _Thread_local w32t_context *thread_self;

static pssim_context *w32t_current(pssim_exec *e)
{
    w32t_context *t = thread_self;
    return t && t->base.exec == e ? &t->base : e->main;
}

static bool w32t_runs_here(const pssim_context *c)
{
    return thread_self && &thread_self->base == c;
}

static DWORD WINAPI w32t_main(LPVOID arg)
{
    w32t_context *t = arg;
    thread_self = t;
    pssim__win32_record_stack(&t->base, GUARANTEE);
    ReleaseSemaphore(t->ready, 1, NULL);
    baton_wait(t);
    pssim__context_run_entry(&t->base);
}

static int w32t_exec_init(pssim_exec *e)
{
    T(e->main)->baton = CreateSemaphoreW(NULL, 0, 1, NULL);
    return T(e->main)->baton ? 0 : ENOMEM;
}

static void w32t_exec_fini(pssim_exec *e)
{
    CloseHandle(T(e->main)->baton);
}

static int w32t_context_init(pssim_exec *e, pssim_context *c)
{
    (void)e;
    w32t_context *t = T(c);
    size_t page = pssim__page_size();
    size_t reserve = c->map_size + GUARANTEE + 4 * page;
    reserve = (reserve + 0xFFFF) & ~(size_t)0xFFFF;
    c->map_size = 0;
    t->reserve = reserve;
    t->baton = CreateSemaphoreW(NULL, 0, 1, NULL);
    t->ready = CreateSemaphoreW(NULL, 0, 1, NULL);
    if (t->baton && t->ready)
        t->thread =
            CreateThread(NULL, reserve, w32t_main, t, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (!t->thread) {
        if (t->baton)
            CloseHandle(t->baton);
        if (t->ready)
            CloseHandle(t->ready);
        return ENOMEM;
    }
    WaitForSingleObject(t->ready, INFINITE);
    CloseHandle(t->ready);
    t->ready = NULL;
    if (c->guard_slot < 0) {
        t->die = 1;
        ReleaseSemaphore(t->baton, 1, NULL);
        WaitForSingleObject(t->thread, INFINITE);
        CloseHandle(t->thread);
        CloseHandle(t->baton);
        return ENOMEM;
    }
    pssim__win32_count_stack((int64_t)reserve);
    return 0;
}

static void w32t_context_fini(pssim_exec *e, pssim_context *c)
{
    (void)e;
    w32t_context *t = T(c);
    t->die = 1;
    ReleaseSemaphore(t->baton, 1, NULL);
    WaitForSingleObject(t->thread, INFINITE);
    CloseHandle(t->thread);
    CloseHandle(t->baton);
    pssim__win32_count_stack(-(int64_t)t->reserve);
}

static void w32t_switch(pssim_exec *e, pssim_context *from, pssim_context *to)
{
    (void)e;
    ReleaseSemaphore(T(to)->baton, 1, NULL);
    baton_wait(T(from));
}

/* In the vectored handler of the overflowed thread: hand over to main, park until destroyed. */
static void w32t_overflow_escape(pssim_exec *e, pssim_context *c)
{
    ReleaseSemaphore(T(e->main)->baton, 1, NULL);
    for (;;)
        baton_wait(T(c));
}

static const pssim__backend w32t_backend = {
    .exec_size = sizeof(pssim_exec),
    .context_size = sizeof(w32t_context),
    .maps_stacks = false,
    .stack_extra = NULL,
    .exec_init = w32t_exec_init,
    .exec_fini = w32t_exec_fini,
    .context_init = w32t_context_init,
    .context_fini = w32t_context_fini,
    .switch_to = w32t_switch,
    .overflow_escape = w32t_overflow_escape,
    .current = w32t_current,
    .runs_here = w32t_runs_here,
};

const pssim__backend *pssim__threads_backend(void)
{
    return &w32t_backend;
}

#endif
