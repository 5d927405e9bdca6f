/* cid_table.h: the client-ID table: one namespace for process and thread IDs (CID-1..4). */
#ifndef PSSIM_PS_CID_TABLE_H
#define PSSIM_PS_CID_TABLE_H

#include <stdbool.h>
#include <stdint.h>

/* IDs are handle-table values: multiples of 4, never a multiple of 1024 (the first entry of
 * every 256-entry page is reserved, CID-2), and 0 is never handed out (Idle is not in the
 * table, CID-8). The first ID handed out is 4 (System). */
typedef struct PSP_CID_ENTRY {
    void *object; /* process or thread body; NULL = free */
    uint8_t kind; /* pssim_object_kind of the object */
    bool visible; /* inserted: lookups may find it (CID-7) */
} PSP_CID_ENTRY;

typedef struct PSP_CID_TABLE {
    PSP_CID_ENTRY *entries; /* index = id / 4 */
    uint32_t capacity;      /* entries allocated (a multiple of 256) */
    /* FIFO mode: a ring of free indices; freed IDs join at the tail (CID-4). */
    uint32_t *fifo;
    uint32_t fifo_head, fifo_count, fifo_capacity;
    /* Immediate mode: a bitmap of free indices, lowest first. */
    uint64_t *free_bits;
    uint32_t free_count;
    bool immediate;
} PSP_CID_TABLE;

bool PspCidTableInit(PSP_CID_TABLE *t, bool immediate_reuse);
void PspCidTableDestroy(PSP_CID_TABLE *t);
/* Allocates an ID for `object` (not yet visible to lookups); 0 when out of memory. */
uintptr_t PspCidAllocate(PSP_CID_TABLE *t, void *object, uint8_t kind);
/* Makes an allocated ID visible to lookups. */
void PspCidMakeVisible(PSP_CID_TABLE *t, uintptr_t id);
/* Returns the ID to the table (called at object deletion, CID-3). */
void PspCidFree(PSP_CID_TABLE *t, uintptr_t id);
/* The object of a visible ID of the given kind, or NULL. */
void *PspCidLookup(const PSP_CID_TABLE *t, uintptr_t id, uint8_t kind);
/* The entry of any ID, or NULL when out of range. */
const PSP_CID_ENTRY *PspCidEntry(const PSP_CID_TABLE *t, uintptr_t id);

#endif
