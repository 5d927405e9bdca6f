/* cid_table.c: allocation, FIFO or immediate reuse, and lookup of process/thread IDs. */
#include "ps/cid_table.h"

#include <string.h>

#include "core/alloc.h"

#define CID_PAGE 256u /* entries per handle-table page; entry 0 of each page is reserved */

static uintptr_t index_to_id(uint32_t index)
{
    return (uintptr_t)index * 4u;
}

/* Makes room for `want` indices in the ring, keeping their order. */
static bool fifo_reserve(PSP_CID_TABLE *t, uint32_t want)
{
    if (want > t->fifo_capacity) {
        uint32_t cap = t->fifo_capacity ? t->fifo_capacity : CID_PAGE;
        while (cap < want)
            cap *= 2;
        uint32_t *ring = pssim__alloc(sizeof(uint32_t) * cap);
        if (!ring)
            return false;
        for (uint32_t i = 0; i < t->fifo_count; i++)
            ring[i] = t->fifo[(t->fifo_head + i) % t->fifo_capacity];
        pssim__free(t->fifo);
        t->fifo = ring;
        t->fifo_head = 0;
        t->fifo_capacity = cap;
    }
    return true;
}

/* Appends a free index; the ring always has room for every index of the table (see grow). */
static void fifo_push(PSP_CID_TABLE *t, uint32_t index)
{
    t->fifo[(t->fifo_head + t->fifo_count) % t->fifo_capacity] = index;
    t->fifo_count++;
}

static void bit_set(uint64_t *bits, uint32_t i, bool v)
{
    if (v)
        bits[i / 64] |= (uint64_t)1 << (i % 64);
    else
        bits[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* Adds one page of entries; its usable indices become free in ascending order. */
static bool grow(PSP_CID_TABLE *t)
{
    uint32_t old = t->capacity, cap = old + CID_PAGE;
    PSP_CID_ENTRY *entries = pssim__alloc(sizeof(PSP_CID_ENTRY) * cap);
    if (!entries)
        return false;
    if (old)
        memcpy(entries, t->entries, sizeof(PSP_CID_ENTRY) * old);
    if (t->immediate) {
        uint64_t *bits = pssim__alloc(sizeof(uint64_t) * (cap / 64));
        if (!bits) {
            pssim__free(entries);
            return false;
        }
        if (old)
            memcpy(bits, t->free_bits, sizeof(uint64_t) * (old / 64));
        pssim__free(t->free_bits);
        t->free_bits = bits;
    }
    if (!t->immediate && !fifo_reserve(t, cap)) {
        pssim__free(entries);
        return false;
    }
    pssim__free(t->entries);
    t->entries = entries;
    t->capacity = cap;
    for (uint32_t i = old + 1; i < cap; i++) { /* old is the reserved first entry of the page */
        if (t->immediate) {
            bit_set(t->free_bits, i, true);
            t->free_count++;
        } else {
            fifo_push(t, i);
        }
    }
    return true;
}

bool PspCidTableInit(PSP_CID_TABLE *t, bool immediate_reuse)
{
    memset(t, 0, sizeof(*t));
    t->immediate = immediate_reuse;
    return grow(t);
}

void PspCidTableDestroy(PSP_CID_TABLE *t)
{
    pssim__free(t->entries);
    pssim__free(t->fifo);
    pssim__free(t->free_bits);
    memset(t, 0, sizeof(*t));
}

static uint32_t take_lowest_free(PSP_CID_TABLE *t)
{
    for (uint32_t w = 0; w < t->capacity / 64; w++) {
        if (t->free_bits[w]) {
            uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(t->free_bits[w]);
            bit_set(t->free_bits, i, false);
            t->free_count--;
            return i;
        }
    }
    return 0;
}

uintptr_t PspCidAllocate(PSP_CID_TABLE *t, void *object, uint8_t kind)
{
    uint32_t index;
    if (t->immediate) {
        if (t->free_count == 0 && !grow(t))
            return 0;
        index = take_lowest_free(t);
    } else {
        if (t->fifo_count == 0 && !grow(t))
            return 0;
        index = t->fifo[t->fifo_head];
        t->fifo_head = (t->fifo_head + 1) % t->fifo_capacity;
        t->fifo_count--;
    }
    t->entries[index].object = object;
    t->entries[index].kind = kind;
    t->entries[index].visible = false;
    return index_to_id(index);
}

void PspCidMakeVisible(PSP_CID_TABLE *t, uintptr_t id)
{
    uint32_t index = (uint32_t)(id / 4);
    if (id % 4 == 0 && index < t->capacity && t->entries[index].object)
        t->entries[index].visible = true;
}

void PspCidFree(PSP_CID_TABLE *t, uintptr_t id)
{
    uint32_t index = (uint32_t)(id / 4);
    if (id % 4 != 0 || index >= t->capacity || !t->entries[index].object)
        return;
    t->entries[index].object = NULL;
    t->entries[index].kind = 0;
    t->entries[index].visible = false;
    if (t->immediate) {
        bit_set(t->free_bits, index, true);
        t->free_count++;
    } else {
        fifo_push(t, index);
    }
}

const PSP_CID_ENTRY *PspCidEntry(const PSP_CID_TABLE *t, uintptr_t id)
{
    uint32_t index = (uint32_t)(id / 4);
    if (id % 4 != 0 || index >= t->capacity)
        return NULL;
    return &t->entries[index];
}

void *PspCidLookup(const PSP_CID_TABLE *t, uintptr_t id, uint8_t kind)
{
    /* IDs with (id & 0x3FC) == 0 are rejected at once, as Windows does (CID-8). */
    if ((id & 0x3FC) == 0)
        return NULL;
    const PSP_CID_ENTRY *e = PspCidEntry(t, id);
    if (!e || !e->object || !e->visible || e->kind != kind)
        return NULL;
    return e->object;
}
