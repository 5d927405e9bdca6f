/* platform.h: the few host services the core needs, one contract for every platform. */
#ifndef PSSIM_PLATFORM_PLATFORM_H
#define PSSIM_PLATFORM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the name of the function at `addr` ("ProcessNotify" or "ProcessNotify+0x10") when the
 * host can tell (exported or dynamic symbols); false otherwise. Never fails loudly. */
bool pssim__platform_symbol_name(const void *addr, char *buf, size_t size);

#endif
