/* alloc.c: the library allocator with countdown fault injection (per OS thread) and a
 * process-wide count of the bytes in use. */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>

/* Each block starts with a header that records its size, so pssim__free can subtract it. The
 * header is 16 bytes: the pointer handed out keeps the 16-byte alignment calloc gives. */
#define ALLOC_HEADER 16u
_Static_assert(ALLOC_HEADER >= sizeof(size_t), "the header holds a size_t");
_Static_assert(ALLOC_HEADER % _Alignof(max_align_t) == 0, "the header keeps malloc's alignment");

static _Thread_local uint64_t alloc_count;
static _Thread_local uint64_t fail_at; /* absolute alloc_count value that fails; 0 = never */
/* Process-wide: a block may be freed on another OS thread than the one that allocated it. */
static atomic_uint_fast64_t bytes_in_use;

void *pssim__alloc(size_t size)
{
    alloc_count++;
    if (fail_at != 0 && alloc_count == fail_at) {
        fail_at = 0;
        return NULL;
    }
    if (size > SIZE_MAX - ALLOC_HEADER)
        return NULL;
    unsigned char *block = calloc(1, ALLOC_HEADER + (size ? size : 1));
    if (!block)
        return NULL;
    *(size_t *)(void *)block = size;
    atomic_fetch_add_explicit(&bytes_in_use, size, memory_order_relaxed);
    return block + ALLOC_HEADER;
}

void pssim__free(void *p)
{
    if (!p)
        return;
    unsigned char *block = (unsigned char *)p - ALLOC_HEADER;
    size_t size = *(size_t *)(void *)block;
    atomic_fetch_sub_explicit(&bytes_in_use, size, memory_order_relaxed);
    free(block);
}

void pssim__alloc_fail_at(uint64_t n)
{
    fail_at = n ? alloc_count + n : 0;
}

uint64_t pssim__alloc_count(void)
{
    return alloc_count;
}

uint64_t pssim__alloc_bytes_in_use(void)
{
    return atomic_load_explicit(&bytes_in_use, memory_order_relaxed);
}
