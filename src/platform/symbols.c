/* symbols.c: function names for addresses, for readable bug check texts. */
#if !defined(_WIN32)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* dladdr */
#endif
#include <dlfcn.h>
#endif
#include <stdint.h>
#include <stdio.h>

#include "platform/platform.h"

bool pssim__platform_symbol_name(const void *addr, char *buf, size_t size)
{
    if (!addr || !buf || size == 0)
        return false;
#if defined(_WIN32)
    (void)addr;
    buf[0] = 0;
    return false;
#else
    Dl_info info;
    /* Data and function pointers share a representation on every POSIX host (dlsym relies on
     * it), so the conversion below is the one POSIX itself makes. */
    void *p;
    *(const void **)&p = addr;
    if (dladdr(p, &info) == 0 || !info.dli_sname) {
        buf[0] = 0;
        return false;
    }
    uintptr_t off = (uintptr_t)addr - (uintptr_t)info.dli_saddr;
    if (off)
        snprintf(buf, size, "%s+0x%lx", info.dli_sname, (unsigned long)off);
    else
        snprintf(buf, size, "%s", info.dli_sname);
    return true;
#endif
}
