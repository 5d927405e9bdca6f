/* context_registry.c: the guard registry. The fault handler asks it which live context, if any,
 * owns the guard region an address falls in. It must answer from a signal handler, so it takes
 * no lock and never frees memory: slots live in chunks of pages that, once mapped, stay mapped
 * for the life of the process, and every field is a lock-free atomic.
 *
 * A slot is free (ctx NULL), being written or cleared (ctx BUSY), or live (ctx a context).
 * Register claims a free slot with a compare-and-swap, writes the range, then publishes the
 * context with a release store; a lookup loads the context with acquire before the range, so it
 * never sees a live slot with a stale range. Unregister hides the slot (BUSY) before clearing the
 * range. Contexts are destroyed only while they are not running, so a handler that finds a
 * context through the running context's own guard never races with its destruction. */
#include <stdatomic.h>

#include "platform/context_impl.h"

#define SLOTS_PER_CHUNK 1024
#define MAX_CHUNKS 256 /* 262,144 live contexts */

typedef struct guard_slot {
    _Atomic(pssim_context *) ctx;
    atomic_uintptr_t lo, hi;
} guard_slot;

typedef struct guard_chunk {
    guard_slot slot[SLOTS_PER_CHUNK];
} guard_chunk;

static _Atomic(guard_chunk *) chunks[MAX_CHUNKS];
static atomic_int chunk_count; /* chunks published, a prefix of `chunks` */
static atomic_uint next_hint;  /* where the next search for a free slot starts */
static atomic_flag grow_lock = ATOMIC_FLAG_INIT;

static pssim_context busy_marker; /* its address marks a slot being written or cleared */
#define BUSY (&busy_marker)

static int chunk_pages_size(void)
{
    size_t page = pssim__page_size();
    size_t bytes = sizeof(guard_chunk);
    return (int)((bytes + page - 1) / page * page);
}

/* Claims a free slot in the chunks published so far; -1 if all are taken. */
static int claim_slot(void)
{
    int n = atomic_load_explicit(&chunk_count, memory_order_acquire);
    unsigned total = (unsigned)n * SLOTS_PER_CHUNK;
    if (total == 0)
        return -1;
    unsigned start = atomic_fetch_add_explicit(&next_hint, 1, memory_order_relaxed) % total;
    for (unsigned k = 0; k < total; k++) {
        unsigned i = (start + k) % total;
        guard_chunk *ch = atomic_load_explicit(&chunks[i / SLOTS_PER_CHUNK], memory_order_acquire);
        guard_slot *s = &ch->slot[i % SLOTS_PER_CHUNK];
        pssim_context *expected = NULL;
        if (atomic_load_explicit(&s->ctx, memory_order_relaxed) == NULL &&
            atomic_compare_exchange_strong_explicit(&s->ctx, &expected, BUSY, memory_order_acquire,
                                                    memory_order_relaxed)) {
            atomic_store_explicit(&next_hint, i + 1, memory_order_relaxed);
            return (int)i;
        }
    }
    return -1;
}

/* Publishes one more chunk unless another thread just did; false when out of room or memory. */
static bool grow(int seen_count)
{
    while (atomic_flag_test_and_set_explicit(&grow_lock, memory_order_acquire))
        ; /* registration is rare and short: spinning is fine */
    bool ok = true;
    int n = atomic_load_explicit(&chunk_count, memory_order_relaxed);
    if (n == seen_count) {
        guard_chunk *ch = n < MAX_CHUNKS ? pssim__pages_alloc((size_t)chunk_pages_size()) : NULL;
        if (ch) {
            atomic_store_explicit(&chunks[n], ch, memory_order_release);
            atomic_store_explicit(&chunk_count, n + 1, memory_order_release);
        } else {
            ok = false;
        }
    }
    atomic_flag_clear_explicit(&grow_lock, memory_order_release);
    return ok;
}

int pssim__guard_register(uintptr_t lo, uintptr_t hi, pssim_context *c)
{
    for (;;) {
        int seen = atomic_load_explicit(&chunk_count, memory_order_acquire);
        int i = claim_slot();
        if (i >= 0) {
            guard_chunk *ch =
                atomic_load_explicit(&chunks[i / SLOTS_PER_CHUNK], memory_order_acquire);
            guard_slot *s = &ch->slot[i % SLOTS_PER_CHUNK];
            atomic_store_explicit(&s->lo, lo, memory_order_relaxed);
            atomic_store_explicit(&s->hi, hi, memory_order_relaxed);
            atomic_store_explicit(&s->ctx, c, memory_order_release);
            return i;
        }
        if (!grow(seen))
            return -1;
    }
}

void pssim__guard_unregister(int slot)
{
    if (slot < 0)
        return;
    guard_chunk *ch = atomic_load_explicit(&chunks[slot / SLOTS_PER_CHUNK], memory_order_acquire);
    guard_slot *s = &ch->slot[slot % SLOTS_PER_CHUNK];
    /* Sequentially consistent, like the lookup: a lookup that reads a cleared bound also reads
     * BUSY (or a later owner) when it checks the context again. */
    atomic_store(&s->ctx, BUSY);
    atomic_store(&s->lo, 0);
    atomic_store(&s->hi, 0);
    atomic_store(&s->ctx, NULL);
}

pssim_context *pssim__guard_find(uintptr_t addr)
{
    int n = atomic_load_explicit(&chunk_count, memory_order_acquire);
    for (int k = 0; k < n; k++) {
        guard_chunk *ch = atomic_load_explicit(&chunks[k], memory_order_acquire);
        for (int j = 0; j < SLOTS_PER_CHUNK; j++) {
            guard_slot *s = &ch->slot[j];
            pssim_context *c = atomic_load(&s->ctx);
            if (!c || c == BUSY)
                continue;
            uintptr_t lo = atomic_load(&s->lo);
            uintptr_t hi = atomic_load(&s->hi);
            /* Read the owner again: the range just read belongs to it only if it is unchanged. */
            if (lo <= addr && addr < hi && atomic_load(&s->ctx) == c)
                return c;
        }
    }
    return NULL;
}
