/* context_mem_posix.c: pages and context stacks from mmap, with a PROT_NONE guard region below
 * each stack; the bounds of the calling OS thread's own stack. */
#if !defined(_WIN32)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* MAP_ANONYMOUS, pthread_getattr_np */
#endif
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "platform/context_impl.h"

#if defined(PSSIM_CTX_POSIX)

#if defined(PSSIM_CTX_VALGRIND)
#include <valgrind/valgrind.h>
#endif

#if !defined(MAP_ANONYMOUS) && defined(MAP_ANON)
#define MAP_ANONYMOUS MAP_ANON
#endif

static atomic_uint_fast64_t stack_bytes_mapped;

size_t pssim__page_size(void)
{
    static atomic_size_t cached;
    size_t p = atomic_load_explicit(&cached, memory_order_relaxed);
    if (p == 0) {
        long v = sysconf(_SC_PAGESIZE);
        p = v > 0 ? (size_t)v : 4096;
        atomic_store_explicit(&cached, p, memory_order_relaxed);
    }
    return p;
}

void *pssim__pages_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void pssim__pages_free(void *p, size_t size)
{
    if (p)
        munmap(p, size);
}

int pssim__stack_map(pssim_context *c, size_t usable, size_t guard)
{
    size_t total = usable + guard;
    /* Reserve everything inaccessible, then open the stack part: the guard never exists as
     * accessible memory, even for an instant. */
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#if defined(MAP_NORESERVE)
    flags |= MAP_NORESERVE;
#endif
    void *p = mmap(NULL, total, PROT_NONE, flags, -1, 0);
    if (p == MAP_FAILED)
        return ENOMEM;
    unsigned char *base = p;
    if (mprotect(base + guard, usable, PROT_READ | PROT_WRITE) != 0) {
        munmap(p, total);
        return ENOMEM;
    }
    c->map = p;
    c->map_size = total;
    c->guard_lo = (uintptr_t)base;
    c->guard_hi = (uintptr_t)(base + guard);
    c->lo = c->guard_hi;
    c->hi = (uintptr_t)(base + total);
#if defined(PSSIM_CTX_VALGRIND)
    c->vg_stack_id = VALGRIND_STACK_REGISTER(base + guard, base + total);
#endif
    atomic_fetch_add_explicit(&stack_bytes_mapped, total, memory_order_relaxed);
    return 0;
}

void pssim__stack_unmap(pssim_context *c)
{
    if (!c->map)
        return;
#if defined(PSSIM_CTX_VALGRIND)
    if (c->vg_stack_id)
        VALGRIND_STACK_DEREGISTER(c->vg_stack_id);
    c->vg_stack_id = 0;
#endif
    munmap(c->map, c->map_size);
    atomic_fetch_sub_explicit(&stack_bytes_mapped, c->map_size, memory_order_relaxed);
    c->map = NULL;
    c->map_size = 0;
}

uint64_t pssim__context_stack_bytes_mapped(void)
{
    return atomic_load_explicit(&stack_bytes_mapped, memory_order_relaxed);
}

void pssim__os_thread_stack_bounds(uintptr_t *low, uintptr_t *high)
{
    uintptr_t sp = pssim__current_stack_pointer();
#if defined(__GLIBC__) || defined(__FreeBSD__) || defined(__NetBSD__)
    pthread_attr_t attr;
#if defined(__GLIBC__) || defined(__NetBSD__)
    int rc = pthread_getattr_np(pthread_self(), &attr);
#else
    int rc = pthread_attr_init(&attr);
    if (rc == 0)
        rc = pthread_attr_get_np(pthread_self(), &attr);
#endif
    if (rc == 0) {
        void *addr = NULL;
        size_t size = 0;
        int ok = pthread_attr_getstack(&attr, &addr, &size) == 0;
        pthread_attr_destroy(&attr);
        uintptr_t lo = (uintptr_t)addr, hi = lo + size;
        if (ok && size != 0 && lo <= sp && sp < hi) {
            *low = lo;
            *high = hi;
            return;
        }
    }
#endif
    /* Estimate: the stack limit below the current page. */
    size_t page = pssim__page_size();
    struct rlimit rl;
    size_t size = (size_t)8 << 20;
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < ((rlim_t)1 << 30))
        size = (size_t)rl.rlim_cur;
    uintptr_t hi = (sp + page) & ~(uintptr_t)(page - 1);
    *high = hi;
    *low = hi > size ? hi - size : 0;
}

#endif
