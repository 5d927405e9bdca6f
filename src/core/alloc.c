/* alloc.c: the library allocator with countdown fault injection (per OS thread). */
#include "core/alloc.h"

#include <stdlib.h>

static _Thread_local uint64_t alloc_count;
static _Thread_local uint64_t fail_at; /* absolute alloc_count value that fails; 0 = never */

void *pssim__alloc(size_t size)
{
    alloc_count++;
    if (fail_at != 0 && alloc_count == fail_at) {
        fail_at = 0;
        return NULL;
    }
    return calloc(1, size ? size : 1);
}

void pssim__free(void *p)
{
    free(p);
}

void pssim__alloc_fail_at(uint64_t n)
{
    fail_at = n ? alloc_count + n : 0;
}

uint64_t pssim__alloc_count(void)
{
    return alloc_count;
}
