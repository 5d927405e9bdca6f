/* platform.h: the few host services the core needs, one contract for every platform. */
#ifndef PSSIM_PLATFORM_PLATFORM_H
#define PSSIM_PLATFORM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Function and data pointers have one representation on every host pssim supports; this
 * conversion says so in one place instead of punning at every use. */
static inline void *pssim__fn_addr(void (*f)(void))
{
    void *p;
    memcpy(&p, &f, sizeof(p));
    return p;
}

/* Writes the name of the function at `addr` ("ProcessNotify" or "ProcessNotify+0x10") when the
 * host can tell (exported or dynamic symbols); false otherwise. Never fails loudly. */
bool pssim__platform_symbol_name(const void *addr, char *buf, size_t size);
/* The same name, or the address ("0x5581...") when the host cannot tell; always writes. */
void pssim__platform_describe_address(const void *addr, char *buf, size_t size);
/* A routine for a bug check text: "name (0x5581...)", or the address alone. */
void pssim__platform_describe_routine(void (*routine)(void), char *buf, size_t size);

/* Fills frames with up to max return addresses of the calling thread's stack, innermost
 * first (this function's caller's own return address first), and returns how many; 0 when the
 * host cannot tell. */
size_t pssim__platform_backtrace(void **frames, size_t max);

/* For death tests: runs fn, which may end in abort(), apart from the caller and copies what it
 * writes to stderr into text (NUL-terminated, cut at size - 1 bytes). Returns the signal that
 * ended fn (SIGABRT after abort()), 0 if fn returned, -1 if it could not be run. POSIX: in a
 * forked child, so any signal is reported and nothing fn does reaches the caller. Windows (no
 * fork): on the calling thread with SIGABRT caught; any other crash ends the process, what fn
 * changed stays changed, fn may write at most 64 KiB to stderr, and only one thread may be in
 * here at a time. */
int pssim__platform_run_isolated(void (*fn)(void), char *text, size_t size);

#endif
