/* ptr_map.c: linear probing with backward-shift deletion (no tombstones). Keys are never NULL;
 * values live in a parallel array, absent for a set. */
#include "core/ptr_map.h"

#include <stdint.h>

#include "core/alloc.h"

struct pssim_ptr_map {
    const void **keys;
    void **values; /* NULL: a set */
    size_t mask;   /* capacity - 1; capacity is a power of two */
    size_t count;
    bool with_values;
};

static size_t slot_of(const pssim_ptr_map *m, const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)h & m->mask;
}

static bool resize(pssim_ptr_map *m, size_t capacity)
{
    const void **keys = pssim__alloc(sizeof(void *) * capacity);
    void **values = m->with_values ? pssim__alloc(sizeof(void *) * capacity) : NULL;
    if (!keys || (m->with_values && !values)) {
        pssim__free(keys);
        pssim__free(values);
        return false;
    }
    const void **old_keys = m->keys;
    void **old_values = m->values;
    size_t old_cap = m->keys ? m->mask + 1 : 0;
    m->keys = keys;
    m->values = values;
    m->mask = capacity - 1;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old_keys[i])
            continue;
        size_t j = slot_of(m, old_keys[i]);
        while (m->keys[j])
            j = (j + 1) & m->mask;
        m->keys[j] = old_keys[i];
        if (values)
            values[j] = old_values[i];
    }
    pssim__free(old_keys);
    pssim__free(old_values);
    return true;
}

pssim_ptr_map *pssim__ptr_map_create(bool with_values)
{
    pssim_ptr_map *m = pssim__alloc(sizeof(*m));
    if (!m)
        return NULL;
    m->with_values = with_values;
    if (!resize(m, 64)) {
        pssim__free(m);
        return NULL;
    }
    return m;
}

void pssim__ptr_map_destroy(pssim_ptr_map *m)
{
    if (!m)
        return;
    pssim__free(m->keys);
    pssim__free(m->values);
    pssim__free(m);
}

/* The slot holding key, or the empty slot that ends its probe run. */
static size_t find(const pssim_ptr_map *m, const void *key)
{
    size_t i = slot_of(m, key);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & m->mask;
    return i;
}

bool pssim__ptr_map_put(pssim_ptr_map *m, const void *key, void *value)
{
    size_t i = find(m, key);
    if (!m->keys[i]) {
        if ((m->count + 1) * 4 > (m->mask + 1) * 3) {
            if (!resize(m, (m->mask + 1) * 2))
                return false;
            i = find(m, key);
        }
        m->keys[i] = key;
        m->count++;
    }
    if (m->values)
        m->values[i] = value;
    return true;
}

bool pssim__ptr_map_get(const pssim_ptr_map *m, const void *key, void **value)
{
    if (!key)
        return false;
    size_t i = find(m, key);
    if (!m->keys[i])
        return false;
    if (value)
        *value = m->values ? m->values[i] : NULL;
    return true;
}

void pssim__ptr_map_remove(pssim_ptr_map *m, const void *key)
{
    if (!key)
        return;
    size_t i = find(m, key);
    if (!m->keys[i])
        return;
    m->keys[i] = NULL;
    m->count--;
    /* Shift later members of the probe run back so lookups never stop early. */
    size_t j = (i + 1) & m->mask;
    while (m->keys[j]) {
        size_t home = slot_of(m, m->keys[j]);
        bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            m->keys[i] = m->keys[j];
            m->keys[j] = NULL;
            if (m->values)
                m->values[i] = m->values[j];
            i = j;
        }
        j = (j + 1) & m->mask;
    }
}

size_t pssim__ptr_map_size(const pssim_ptr_map *m)
{
    return m->count;
}

void pssim__ptr_map_each(const pssim_ptr_map *m,
                         void (*visit)(const void *key, void *value, void *ctx), void *ctx)
{
    for (size_t i = 0; i <= m->mask; i++)
        if (m->keys[i])
            visit(m->keys[i], m->values ? m->values[i] : NULL, ctx);
}
