/* context_mem_win32.c: pages from VirtualAlloc; the calling thread's stack limits. Context
 * stacks on Windows belong to the fibers and threads Windows creates (with its own guard
 * pages), so pssim__stack_map is only there to complete the contract. */
#if defined(_WIN32)
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0602 /* GetCurrentThreadStackLimits */
#endif
#include <errno.h>
#include <stdatomic.h>
#include <windows.h>
#endif

#include "platform/context_impl.h"

#if defined(PSSIM_CTX_WIN32)

static atomic_uint_fast64_t stack_bytes_mapped;

size_t pssim__page_size(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwPageSize ? (size_t)si.dwPageSize : 4096;
}

void *pssim__pages_alloc(size_t size)
{
    return VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

void pssim__pages_free(void *p, size_t size)
{
    (void)size;
    if (p)
        VirtualFree(p, 0, MEM_RELEASE);
}

int pssim__stack_map(pssim_context *c, size_t usable, size_t guard)
{
    size_t total = usable + guard;
    unsigned char *base = VirtualAlloc(NULL, total, MEM_RESERVE, PAGE_NOACCESS);
    if (!base)
        return ENOMEM;
    if (!VirtualAlloc(base + guard, usable, MEM_COMMIT, PAGE_READWRITE)) {
        VirtualFree(base, 0, MEM_RELEASE);
        return ENOMEM;
    }
    c->map = base;
    c->map_size = total;
    c->guard_lo = (uintptr_t)base;
    c->guard_hi = (uintptr_t)(base + guard);
    c->lo = c->guard_hi;
    c->hi = (uintptr_t)(base + total);
    atomic_fetch_add_explicit(&stack_bytes_mapped, total, memory_order_relaxed);
    return 0;
}

void pssim__stack_unmap(pssim_context *c)
{
    if (!c->map)
        return;
    VirtualFree(c->map, 0, MEM_RELEASE);
    atomic_fetch_sub_explicit(&stack_bytes_mapped, c->map_size, memory_order_relaxed);
    c->map = NULL;
    c->map_size = 0;
}

void pssim__win32_count_stack(int64_t delta)
{
    if (delta >= 0)
        atomic_fetch_add_explicit(&stack_bytes_mapped, (uint64_t)delta, memory_order_relaxed);
    else
        atomic_fetch_sub_explicit(&stack_bytes_mapped, (uint64_t)-delta, memory_order_relaxed);
}

uint64_t pssim__context_stack_bytes_mapped(void)
{
    return atomic_load_explicit(&stack_bytes_mapped, memory_order_relaxed);
}

void pssim__os_thread_stack_bounds(uintptr_t *low, uintptr_t *high)
{
    ULONG_PTR lo = 0, hi = 0;
    GetCurrentThreadStackLimits(&lo, &hi);
    *low = (uintptr_t)lo;
    *high = (uintptr_t)hi;
}

/* Records where Windows put the running fiber's (or thread's) stack; the bottom pages, which
 * Windows keeps for its own overflow handling, and the guarantee are not usable. */
void pssim__win32_record_stack(pssim_context *c, unsigned long guarantee)
{
    ULONG_PTR lo = 0, hi = 0;
    GetCurrentThreadStackLimits(&lo, &hi);
    size_t page = pssim__page_size();
    c->guard_lo = (uintptr_t)lo;
    c->guard_hi = (uintptr_t)lo + 2 * page + guarantee;
    c->lo = c->guard_hi;
    c->hi = (uintptr_t)hi;
    /* The whole reservation: the handler looks up a stack pointer, not a fault address. */
    c->guard_slot = pssim__guard_register((uintptr_t)lo, (uintptr_t)hi, c);
    ULONG want = (ULONG)guarantee;
    SetThreadStackGuarantee(&want);
}

#endif
