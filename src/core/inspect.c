/* inspect.c: control calls that let a test look inside a machine (pool, references, counts). */
#include "core/machine.h"

NTSTATUS pssim_pool_usage(pssim_machine *m, ULONG tag, uint64_t *live_bytes, uint64_t *live_blocks)
{
    if (!m)
        return STATUS_INVALID_PARAMETER;
    uint64_t bytes = m->pool.live_bytes, blocks = m->pool.live_blocks;
    if (tag) {
        bytes = blocks = 0;
        for (uint32_t i = 0; i < m->pool.tag_count; i++) {
            if (m->pool.tags[i].tag == tag) {
                bytes = m->pool.tags[i].live_bytes;
                blocks = m->pool.tags[i].live_blocks;
            }
        }
    }
    if (live_bytes)
        *live_bytes = bytes;
    if (live_blocks)
        *live_blocks = blocks;
    return STATUS_SUCCESS;
}

uint32_t pssim_pool_report_leaks(pssim_machine *m, pssim_pool_leak_fn fn, void *ctx)
{
    if (!m)
        return 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->pool.tag_count; i++) {
        const pssim_pool_tag_stats *s = &m->pool.tags[i];
        if (s->live_blocks) {
            n++;
            if (fn)
                fn(ctx, s->tag, s->live_bytes, s->live_blocks);
        }
    }
    return n;
}

NTSTATUS pssim_object_counts(pssim_machine *m, HANDLE id, int64_t *pointer_count,
                             int64_t *handle_count)
{
    if (!m)
        return STATUS_INVALID_PARAMETER;
    const PSP_CID_ENTRY *e = PspCidEntry(&m->cid, (uintptr_t)id);
    if (!e || !e->object || (id == NULL))
        return STATUS_INVALID_CID;
    OBJECT_HEADER *h = OBJECT_TO_OBJECT_HEADER(e->object);
    if (pointer_count)
        *pointer_count = h->pointer_count;
    if (handle_count)
        *handle_count = h->handle_count;
    return STATUS_SUCCESS;
}

NTSTATUS pssim_machine_object_count(pssim_machine *m, uint32_t *processes, uint32_t *threads)
{
    if (!m)
        return STATUS_INVALID_PARAMETER;
    /* Idle and its thread are not objects a test can reach; leave them out. */
    if (processes)
        *processes = m->live_processes - 1;
    if (threads)
        *threads = m->live_threads - 1;
    return STATUS_SUCCESS;
}
