/* context.c: the backend-independent half of execution contexts: executors and their context
 * lists, stacks and guard registration, the current context, overflow reports, user pointers,
 * stack bounds, and the sanitizer hooks the fiber backends call around a switch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "platform/context_impl.h"

#if defined(PSSIM_CTX_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* ---- executors ---- */

int pssim__exec_create(int backend, pssim_exec **out)
{
    const pssim__backend *ops;
    if (!out)
        return EINVAL;
    if (backend == PSSIM_EXEC_FIBERS)
        ops = pssim__fibers_backend();
    else if (backend == PSSIM_EXEC_THREADS)
        ops = pssim__threads_backend();
    else
        return EINVAL;
    if (!ops)
        return ENOTSUP;
    int rc = pssim__overflow_init();
    if (rc != 0)
        return rc;

    pssim_exec *e = pssim__alloc(ops->exec_size);
    pssim_context *m = pssim__alloc(ops->context_size);
    if (!e || !m) {
        pssim__free(e);
        pssim__free(m);
        return ENOMEM;
    }
    e->ops = ops;
    e->backend = backend;
    e->main = m;
    atomic_init(&e->current, m);
    atomic_init(&e->overflow_ctx, NULL);
    m->exec = e;
    m->is_main = true;
    m->guard_slot = -1;
    atomic_init(&m->overflowed, 0);
    pssim__os_thread_stack_bounds(&m->lo, &m->hi);

    rc = ops->exec_init(e);
    if (rc != 0) {
        pssim__free(m);
        pssim__free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void pssim__exec_destroy(pssim_exec *e)
{
    if (!e)
        return;
    while (e->list)
        pssim__context_destroy(e, e->list);
    e->ops->exec_fini(e);
    pssim__free(e->main);
    pssim__free(e);
}

int pssim__exec_backend(const pssim_exec *e)
{
    return e->backend;
}

pssim_context *pssim__exec_main(pssim_exec *e)
{
    return e->main;
}

pssim_context *pssim__exec_current(pssim_exec *e)
{
    if (e->ops->current)
        return e->ops->current(e);
    return atomic_load_explicit(&e->current, memory_order_relaxed);
}

/* ---- contexts ---- */

int pssim__context_create(pssim_exec *e, size_t stack_size, pssim_context_entry entry, void *arg,
                          pssim_context **out)
{
    if (!e || !entry || !out)
        return EINVAL;
    const pssim__backend *ops = e->ops;
    size_t page = pssim__page_size();
    if (stack_size == 0)
        stack_size = PSSIM_CTX_DEFAULT_STACK;
    size_t extra = ops->stack_extra ? ops->stack_extra() : 0;
    /* A quarter of the address space is "absurd" everywhere; it also keeps the sums exact. */
    if (stack_size > SIZE_MAX / 4 || extra > SIZE_MAX / 4)
        return EINVAL;
    size_t usable = (stack_size + extra + page - 1) / page * page;
    size_t guard = PSSIM_CTX_GUARD_MIN > page ? PSSIM_CTX_GUARD_MIN : page;
    guard = (guard + page - 1) / page * page;

    pssim_context *c = pssim__alloc(ops->context_size);
    if (!c)
        return ENOMEM;
    c->exec = e;
    c->entry = entry;
    c->arg = arg;
    c->guard_slot = -1;
    atomic_init(&c->overflowed, 0);
    int rc = 0;
    if (ops->maps_stacks) {
        rc = pssim__stack_map(c, usable, guard);
        if (rc == 0) {
            c->guard_slot = pssim__guard_register(c->guard_lo, c->guard_hi, c);
            if (c->guard_slot < 0)
                rc = ENOMEM;
        }
    } else {
        c->map_size = usable; /* the size the backend asks its host for */
    }
    if (rc == 0)
        rc = ops->context_init(e, c);
    if (rc != 0) {
        pssim__guard_unregister(c->guard_slot);
        pssim__stack_unmap(c);
        pssim__free(c);
        return rc;
    }
    c->next = e->list;
    if (e->list)
        e->list->prev = c;
    e->list = c;
    *out = c;
    return 0;
}

void pssim__context_destroy(pssim_exec *e, pssim_context *c)
{
    if (!c)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        e->list = c->next;
    if (c->next)
        c->next->prev = c->prev;
    e->ops->context_fini(e, c);
    pssim__guard_unregister(c->guard_slot);
#if defined(PSSIM_CTX_ASAN)
    /* Frames left on the stack keep their redzones poisoned; the next mapping at this address
     * must not inherit them. */
    if (c->map)
        __asan_unpoison_memory_region(c->map, c->map_size);
#endif
    pssim__stack_unmap(c);
    pssim__free(c);
}

pssim_switch_result pssim__context_switch(pssim_exec *e, pssim_context *from, pssim_context *to)
{
    if (!e->ops->current)
        atomic_store_explicit(&e->current, to, memory_order_relaxed);
    e->ops->switch_to(e, from, to);
    /* Back in `from` (whoever switched here has set e->current, where it is kept). Only the
     * main context hears about an overflow, whichever context it had switched to. */
    if (from == e->main && atomic_load_explicit(&e->overflow_ctx, memory_order_relaxed) != NULL) {
        atomic_store_explicit(&e->overflow_ctx, NULL, memory_order_relaxed);
        return PSSIM_SWITCH_STACK_OVERFLOW;
    }
    return PSSIM_SWITCH_OK;
}

bool pssim__context_overflowed(const pssim_context *c)
{
    return atomic_load_explicit(&c->overflowed, memory_order_relaxed) != 0;
}

void pssim__context_set_user(pssim_context *c, void *user)
{
    c->user = user;
}

void *pssim__context_user(const pssim_context *c)
{
    return c->user;
}

bool pssim__context_is_main(const pssim_context *c)
{
    return c->is_main;
}

void pssim__context_stack_bounds(const pssim_context *c, uintptr_t *low, uintptr_t *high)
{
    *low = c->lo;
    *high = c->hi;
}

#if defined(__GNUC__)
__attribute__((noinline))
#endif
uintptr_t
pssim__current_stack_pointer(void)
{
#if defined(__GNUC__)
    /* The frame address, not a local's: under AddressSanitizer locals may live elsewhere. */
    return (uintptr_t)__builtin_frame_address(0);
#else
    volatile char probe = 0;
    return (uintptr_t)&probe;
#endif
}

/* ---- entry ---- */

_Noreturn void pssim__context_entry_returned(pssim_context *c)
{
    fprintf(stderr,
            "pssim: the entry function of execution context %p returned; it must "
            "switch away for the last time instead (src/platform/context.h, P4)\n",
            (void *)c);
    fflush(stderr);
    abort();
}

_Noreturn void pssim__context_run_entry(pssim_context *c)
{
    /* OS threads inherit their creator's control state and getcontext captures it: start every
     * context from the default instead, whatever the backend (P9). */
    pssim__fp_reset_default();
    c->entry(c->arg);
    pssim__context_entry_returned(c);
}

/* ---- overflow reports ---- */

bool pssim__overflow_is_running(const pssim_context *c)
{
    if (c->is_main)
        return false;
    if (c->exec->ops->runs_here)
        return c->exec->ops->runs_here(c);
    return atomic_load_explicit(&c->exec->current, memory_order_relaxed) == c;
}

void pssim__overflow_report(pssim_context *c)
{
    pssim_exec *e = c->exec;
    atomic_store_explicit(&c->overflowed, 1, memory_order_relaxed);
    atomic_store_explicit(&e->overflow_ctx, c, memory_order_relaxed);
    atomic_store_explicit(&e->current, e->main, memory_order_relaxed);
    e->ops->overflow_escape(e, c);
}

/* ---- AddressSanitizer: fibers move between stacks behind its back unless told ---- */

#if defined(PSSIM_CTX_ASAN)
void pssim__fiber_san_before_switch(pssim_context *from, pssim_context *to)
{
    __sanitizer_start_switch_fiber(&from->asan_fake_stack, (const void *)to->lo,
                                   (size_t)(to->hi - to->lo));
}

void pssim__fiber_san_after_switch(pssim_context *self)
{
    __sanitizer_finish_switch_fiber(self->asan_fake_stack, NULL, NULL);
}

void pssim__fiber_san_before_final_switch(pssim_context *to)
{
    __sanitizer_start_switch_fiber(NULL, (const void *)to->lo, (size_t)(to->hi - to->lo));
}
#endif
