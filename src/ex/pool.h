/* pool.h: per-machine executive pool with per-tag accounting (ExAllocatePool2 & co). */
#ifndef PSSIM_EX_POOL_H
#define PSSIM_EX_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <pssim/wdk/ntdef.h>

typedef struct pssim_pool_tag_stats {
    ULONG tag;
    uint64_t live_bytes, live_blocks;
    uint64_t total_allocs, total_frees;
} pssim_pool_tag_stats;

typedef struct pssim_pool {
    LIST_ENTRY blocks; /* every live block */
    pssim_pool_tag_stats *tags;
    uint32_t tag_count, tag_capacity;
    uint64_t live_bytes, live_blocks;
    struct pssim_ptr_map *live; /* data addresses of live blocks (double-free detection) */
} pssim_pool;

bool ExpPoolInit(pssim_pool *pool);
/* Frees every block still live (machine destroy). */
void ExpPoolDestroy(pssim_pool *pool);
pssim_pool_tag_stats *ExpPoolTagStats(pssim_pool *pool, ULONG tag);
/* True when `data` is the start of a live paged-pool block of `pool`. */
bool ExpPoolBlockIsPaged(pssim_pool *pool, const void *data);
/* The live blocks allocated while the code of the driver with id `owner` ran: their count and
 * bytes, and per tag in `tags` (at most max_tags, in the order of their oldest live block;
 * blocks of further tags are only in the totals). Returns how many tags it filled in. */
uint32_t ExpPoolBlocksOf(pssim_pool *pool, uint32_t owner, pssim_pool_tag_stats *tags,
                         uint32_t max_tags, uint64_t *blocks, uint64_t *bytes);

struct pssim_machine;
/* Frees the work queues (their worker threads go with the dispatcher). */
void ExpDestroyWorkQueues(struct pssim_machine *m);

#endif
