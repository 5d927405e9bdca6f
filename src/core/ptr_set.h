/* ptr_set.h: a set of object addresses (a value-less ptr_map), used to detect use of dead
 * objects. */
#ifndef PSSIM_CORE_PTR_SET_H
#define PSSIM_CORE_PTR_SET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/ptr_map.h"

typedef pssim_ptr_map pssim_ptr_set; /* a map without values */

pssim_ptr_set *pssim__ptr_set_create(void);
void pssim__ptr_set_destroy(pssim_ptr_set *s);
bool pssim__ptr_set_add(pssim_ptr_set *s, const void *p); /* false: out of memory */
void pssim__ptr_set_remove(pssim_ptr_set *s, const void *p);
bool pssim__ptr_set_contains(const pssim_ptr_set *s, const void *p);
size_t pssim__ptr_set_size(const pssim_ptr_set *s);

#endif
