/* alloc.h: the library's one allocator, replaceable and able to fail on demand (OOM tests). */
#ifndef PSSIM_CORE_ALLOC_H
#define PSSIM_CORE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/* Every allocation the simulator makes for its own structures goes through these two. */
void *pssim__alloc(size_t size); /* zero-filled; NULL when out of memory (real or injected) */
void pssim__free(void *p);       /* NULL is a no-op */

/* Fault injection: the n-th allocation from now (1 = the next) fails; 0 turns it off. */
void pssim__alloc_fail_at(uint64_t n);
/* Allocations made since the process started (for OOM loops and benchmarks). */
uint64_t pssim__alloc_count(void);
/* Bytes the library has asked for and not yet freed, over the whole process and every OS
 * thread (the sizes passed to pssim__alloc; the allocator's own headers are not counted). */
uint64_t pssim__alloc_bytes_in_use(void);

#endif
