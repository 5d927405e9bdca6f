/* ptr_set.c: linear-probing pointer set with backward-shift deletion (no tombstones). */
#include "core/ptr_set.h"

#include <stdint.h>

#include "core/alloc.h"

struct pssim_ptr_set {
    const void **slots;
    size_t mask; /* capacity - 1; capacity is a power of two */
    size_t count;
};

static size_t slot_of(const pssim_ptr_set *s, const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)h & s->mask;
}

static bool resize(pssim_ptr_set *s, size_t capacity)
{
    const void **slots = pssim__alloc(sizeof(void *) * capacity);
    if (!slots)
        return false;
    const void **old = s->slots;
    size_t old_cap = s->slots ? s->mask + 1 : 0;
    s->slots = slots;
    s->mask = capacity - 1;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i]) {
            size_t j = slot_of(s, old[i]);
            while (s->slots[j])
                j = (j + 1) & s->mask;
            s->slots[j] = old[i];
        }
    }
    pssim__free(old);
    return true;
}

pssim_ptr_set *pssim__ptr_set_create(void)
{
    pssim_ptr_set *s = pssim__alloc(sizeof(*s));
    if (s && !resize(s, 64)) {
        pssim__free(s);
        return NULL;
    }
    return s;
}

void pssim__ptr_set_destroy(pssim_ptr_set *s)
{
    if (!s)
        return;
    pssim__free(s->slots);
    pssim__free(s);
}

bool pssim__ptr_set_add(pssim_ptr_set *s, const void *p)
{
    if ((s->count + 1) * 4 > (s->mask + 1) * 3 && !resize(s, (s->mask + 1) * 2))
        return false;
    size_t i = slot_of(s, p);
    while (s->slots[i]) {
        if (s->slots[i] == p)
            return true;
        i = (i + 1) & s->mask;
    }
    s->slots[i] = p;
    s->count++;
    return true;
}

bool pssim__ptr_set_contains(const pssim_ptr_set *s, const void *p)
{
    if (!p)
        return false;
    size_t i = slot_of(s, p);
    while (s->slots[i]) {
        if (s->slots[i] == p)
            return true;
        i = (i + 1) & s->mask;
    }
    return false;
}

void pssim__ptr_set_remove(pssim_ptr_set *s, const void *p)
{
    size_t i = slot_of(s, p);
    while (s->slots[i] && s->slots[i] != p)
        i = (i + 1) & s->mask;
    if (!s->slots[i])
        return;
    s->slots[i] = NULL;
    s->count--;
    /* Shift later members of the probe run back so lookups never stop early. */
    size_t j = (i + 1) & s->mask;
    while (s->slots[j]) {
        size_t home = slot_of(s, s->slots[j]);
        bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            s->slots[i] = s->slots[j];
            s->slots[j] = NULL;
            i = j;
        }
        j = (j + 1) & s->mask;
    }
}

size_t pssim__ptr_set_size(const pssim_ptr_set *s)
{
    return s->count;
}
