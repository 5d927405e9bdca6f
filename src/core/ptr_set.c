/* ptr_set.c: the set of addresses is a value-less pointer map (ptr_map.c). */
#include "core/ptr_set.h"

pssim_ptr_set *pssim__ptr_set_create(void)
{
    return pssim__ptr_map_create(false);
}

void pssim__ptr_set_destroy(pssim_ptr_set *s)
{
    pssim__ptr_map_destroy(s);
}

bool pssim__ptr_set_add(pssim_ptr_set *s, const void *p)
{
    return pssim__ptr_map_put(s, p, NULL);
}

bool pssim__ptr_set_contains(const pssim_ptr_set *s, const void *p)
{
    return pssim__ptr_map_get(s, p, NULL);
}

void pssim__ptr_set_remove(pssim_ptr_set *s, const void *p)
{
    pssim__ptr_map_remove(s, p);
}

size_t pssim__ptr_set_size(const pssim_ptr_set *s)
{
    return pssim__ptr_map_size(s);
}
