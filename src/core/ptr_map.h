/* ptr_map.h: a map from addresses to pointers (open addressing). A map made without values is
 * a set and costs one pointer a slot (ptr_set.h is that set). */
#ifndef PSSIM_CORE_PTR_MAP_H
#define PSSIM_CORE_PTR_MAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pssim_ptr_map pssim_ptr_map;

pssim_ptr_map *pssim__ptr_map_create(bool with_values);
void pssim__ptr_map_destroy(pssim_ptr_map *m);
/* Adds key, or replaces its value; false: out of memory (the map is unchanged). */
bool pssim__ptr_map_put(pssim_ptr_map *m, const void *key, void *value);
/* Whether key is present; its value in *value (NULL for a set) when value is not NULL. */
bool pssim__ptr_map_get(const pssim_ptr_map *m, const void *key, void **value);
void pssim__ptr_map_remove(pssim_ptr_map *m, const void *key);
size_t pssim__ptr_map_size(const pssim_ptr_map *m);
/* Visits every entry (in no particular order); the visitor must not change the map. */
void pssim__ptr_map_each(const pssim_ptr_map *m,
                         void (*visit)(const void *key, void *value, void *ctx), void *ctx);

#endif
