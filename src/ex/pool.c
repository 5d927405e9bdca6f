/* pool.c: ExAllocatePool2 & co over the host heap, with per-tag accounting per machine. */
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "core/ptr_set.h"

#define POOL_MAGIC 0x506F6F4CU /* "PooL" */
#define POOL_UNINITIALIZED_FILL 0xCD

/* Precedes every block; 16-byte aligned data follows, as on x64 Windows. */
typedef struct POOL_HEADER {
    LIST_ENTRY link;
    pssim_pool *pool; /* NULL: allocated with no machine in force (untracked) */
    SIZE_T size;
    ULONG tag;
    ULONG magic;
    uint32_t paged; /* 1 for paged pool (WORK-9 checks work items against it) */
    uint32_t owner; /* the id of the driver whose code allocated it (0: the host image), so
                       that an unload can list what the driver leaked (BUGCHECK-3) */
} POOL_HEADER;

_Static_assert(sizeof(POOL_HEADER) % 16 == 0, "pool data must stay 16-byte aligned");

bool ExpPoolInit(pssim_pool *pool)
{
    memset(pool, 0, sizeof(*pool));
    InitializeListHead(&pool->blocks);
    pool->live = pssim__ptr_set_create();
    return pool->live != NULL;
}

void ExpPoolDestroy(pssim_pool *pool)
{
    if (pool->blocks.Flink) {
        while (!IsListEmpty(&pool->blocks)) {
            POOL_HEADER *h = CONTAINING_RECORD(RemoveHeadList(&pool->blocks), POOL_HEADER, link);
            pssim__free(h);
        }
    }
    pssim__free(pool->tags);
    pssim__ptr_set_destroy(pool->live);
    memset(pool, 0, sizeof(*pool));
}

pssim_pool_tag_stats *ExpPoolTagStats(pssim_pool *pool, ULONG tag)
{
    for (uint32_t i = 0; i < pool->tag_count; i++)
        if (pool->tags[i].tag == tag)
            return &pool->tags[i];
    if (pool->tag_count == pool->tag_capacity) {
        uint32_t cap = pool->tag_capacity ? pool->tag_capacity * 2 : 16;
        pssim_pool_tag_stats *t = pssim__alloc(sizeof(*t) * cap);
        if (!t)
            return NULL;
        if (pool->tag_count)
            memcpy(t, pool->tags, sizeof(*t) * pool->tag_count);
        pssim__free(pool->tags);
        pool->tags = t;
        pool->tag_capacity = cap;
    }
    pssim_pool_tag_stats *s = &pool->tags[pool->tag_count++];
    memset(s, 0, sizeof(*s));
    s->tag = tag;
    return s;
}

static PVOID allocate(bool paged, bool zero, SIZE_T size, ULONG tag)
{
    pssim_machine *m = pssim__current_machine();
    if (m && !m->bugchecked) {
        KIRQL irql = m->current_thread->irql;
        if ((paged && irql > APC_LEVEL) || irql > DISPATCH_LEVEL) {
            /* Verifier 0xC4 / 0x1 (paged above APC) and 0x2 (nonpaged above DISPATCH). */
            pssim__bugcheck(
                m, 0xC4, paged ? 0x1 : 0x2, irql, paged ? PagedPool : NonPagedPool, size,
                "%s pool allocation of %zu bytes (tag '%.4s') at IRQL %u. Fix: "
                "allocate nonpaged pool, or allocate before raising IRQL.",
                paged ? "paged" : "nonpaged", (size_t)size, (const char *)&tag, (unsigned)irql);
            return NULL;
        }
    }
    if (size > (SIZE_T)1 << 40)
        return NULL;
    POOL_HEADER *h = pssim__alloc(sizeof(POOL_HEADER) + (size ? size : 1));
    if (!h)
        return NULL;
    void *data = h + 1;
    if (!zero)
        memset(data, POOL_UNINITIALIZED_FILL, size);
    h->size = size;
    h->tag = tag;
    h->magic = POOL_MAGIC;
    h->paged = paged;
    if (m) {
        pssim_pool_tag_stats *s = ExpPoolTagStats(&m->pool, tag);
        if (!s || !pssim__ptr_set_add(m->pool.live, data)) {
            pssim__free(h);
            return NULL;
        }
        h->pool = &m->pool;
        /* Recorded whether or not the leak rule is on (it costs no memory: the header had
         * the room), so the rule can be turned on at any time and still be right. */
        PETHREAD t = m->current_thread;
        h->owner = t && t->current_driver ? t->current_driver->id : 0;
        InsertTailList(&m->pool.blocks, &h->link);
        m->pool.live_bytes += size;
        m->pool.live_blocks++;
        s->live_bytes += size;
        s->live_blocks++;
        s->total_allocs++;
    } else {
        InitializeListHead(&h->link);
    }
    return data;
}

bool ExpPoolBlockIsPaged(pssim_pool *pool, const void *data)
{
    if (!pool->live || !pssim__ptr_set_contains(pool->live, data))
        return false;
    return ((const POOL_HEADER *)data - 1)->paged != 0;
}

static bool is_paged_type(POOL_TYPE t)
{
    return ((int)t & 1) != 0; /* the odd POOL_TYPE values are the paged ones */
}

PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    POOL_FLAGS kinds =
        Flags & (POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED | POOL_FLAG_NON_PAGED_EXECUTE);
    /* Exactly one pool kind must be named; anything else fails the call. */
    if (kinds == 0 || (kinds & (kinds - 1)) != 0)
        return NULL;
    return allocate(kinds == POOL_FLAG_PAGED, (Flags & POOL_FLAG_UNINITIALIZED) == 0, NumberOfBytes,
                    Tag);
}

PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return allocate(is_paged_type(PoolType), false, NumberOfBytes, Tag);
}

PVOID ExAllocatePoolZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return allocate(is_paged_type(PoolType), true, NumberOfBytes, Tag);
}

PVOID ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes)
{
    return allocate(is_paged_type(PoolType), false, NumberOfBytes, 0x656E6F4E /* 'None' */);
}

static void release(PVOID P, bool check_tag, ULONG Tag)
{
    if (!P)
        return;
    pssim_machine *m = pssim__current_machine();
    if (m) {
        if (!pssim__ptr_set_contains(m->pool.live, P)) {
            /* BAD_POOL_CALLER 0xC2 / 0x7: freeing a block that is not (or no longer) live. */
            pssim__bugcheck(m, 0xC2, 0x7, 0, (ULONG_PTR)P, 0,
                            "ExFreePool(%p): not a live pool block of this machine (freed "
                            "twice, or never allocated from pool). Fix: free each block once.",
                            P);
            return;
        }
    }
    POOL_HEADER *h = (POOL_HEADER *)P - 1;
    if (check_tag && h->tag != Tag && m) {
        /* BAD_POOL_CALLER 0xC2 / 0xA: the tag does not match the allocation's. */
        pssim__bugcheck(m, 0xC2, 0xA, (ULONG_PTR)P, Tag, h->tag,
                        "ExFreePoolWithTag(%p, '%.4s'): the block was allocated with tag "
                        "'%.4s'. Fix: free with the tag used to allocate.",
                        P, (const char *)&Tag, (const char *)&h->tag);
        return;
    }
    if (h->pool) {
        pssim_pool *pool = h->pool;
        pssim_pool_tag_stats *s = ExpPoolTagStats(pool, h->tag);
        RemoveEntryList(&h->link);
        pssim__ptr_set_remove(pool->live, P);
        pool->live_bytes -= h->size;
        pool->live_blocks--;
        if (s) {
            s->live_bytes -= h->size;
            s->live_blocks--;
            s->total_frees++;
        }
    }
    h->magic = 0;
    if (m)
        pssim__verifier_memory_freed(m, P, h->size); /* its locks and race state go with it */
    pssim__free(h);
}

VOID ExFreePoolWithTag(PVOID P, ULONG Tag)
{
    release(P, true, Tag);
}

VOID ExFreePool(PVOID P)
{
    release(P, false, 0);
}

VOID ExFreePool2(PVOID P, ULONG Tag, PVOID ExtendedParameters, ULONG ExtendedParametersCount)
{
    (void)ExtendedParameters;
    (void)ExtendedParametersCount;
    release(P, true, Tag);
}

uint32_t ExpPoolBlocksOf(pssim_pool *pool, uint32_t owner, pssim_pool_tag_stats *tags,
                         uint32_t max_tags, uint64_t *blocks, uint64_t *bytes)
{
    uint32_t n = 0;
    *blocks = *bytes = 0;
    if (owner == 0 || !pool->blocks.Flink)
        return 0;
    for (LIST_ENTRY *e = pool->blocks.Flink; e != &pool->blocks; e = e->Flink) {
        const POOL_HEADER *h = CONTAINING_RECORD(e, POOL_HEADER, link);
        if (h->owner != owner)
            continue;
        ++*blocks;
        *bytes += h->size;
        uint32_t i = 0;
        while (i < n && tags[i].tag != h->tag)
            i++;
        if (i == n) {
            if (n == max_tags)
                continue; /* counted in the totals, not itemized */
            memset(&tags[n], 0, sizeof(tags[n]));
            tags[n++].tag = h->tag;
        }
        tags[i].live_blocks++;
        tags[i].live_bytes += h->size;
    }
    return n;
}
