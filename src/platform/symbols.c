/* symbols.c: names for addresses, for readable bug check and verifier texts.
 *
 * With elfutils' libdw (PSSIM_HAVE_LIBDW, found at configure time) every function and global
 * of every module is named, static ones included, from the symbol tables on disk; without it
 * only the dynamic symbols dladdr sees (exported functions, or a program linked with
 * -rdynamic). Windows names nothing. */
#if !defined(_WIN32)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* dladdr */
#endif
#include <dlfcn.h>
#endif
#if defined(PSSIM_HAVE_LIBDW)
#include <elfutils/libdwfl.h>
#include <pthread.h>
#include <unistd.h>
#endif
#include <stdint.h>
#include <stdio.h>

#include "platform/platform.h"

#if !defined(_WIN32)
static void format_name(char *buf, size_t size, const char *name, uintptr_t off)
{
    if (off)
        snprintf(buf, size, "%s+0x%lx", name, (unsigned long)off);
    else
        snprintf(buf, size, "%s", name);
}
#endif

#if defined(PSSIM_HAVE_LIBDW)
/* One session over this process's modules, made on first use and kept: reading the modules'
 * tables is the expensive part. Guarded, since two machines may name addresses at once. */
static pthread_mutex_t dwfl_lock = PTHREAD_MUTEX_INITIALIZER;
static Dwfl *dwfl_session;
static bool dwfl_tried;

static const Dwfl_Callbacks dwfl_callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
};

static bool libdw_name(uintptr_t addr, char *buf, size_t size)
{
    bool named = false;
    pthread_mutex_lock(&dwfl_lock);
    if (!dwfl_tried) {
        dwfl_tried = true;
        dwfl_session = dwfl_begin(&dwfl_callbacks);
        if (dwfl_session && (dwfl_linux_proc_report(dwfl_session, getpid()) != 0 ||
                             dwfl_report_end(dwfl_session, NULL, NULL) != 0)) {
            dwfl_end(dwfl_session);
            dwfl_session = NULL;
        }
    }
    Dwfl_Module *module = dwfl_session ? dwfl_addrmodule(dwfl_session, addr) : NULL;
    if (module) {
        GElf_Off off = 0;
        GElf_Sym sym;
        const char *name = dwfl_module_addrinfo(module, addr, &off, &sym, NULL, NULL, NULL);
        if (name && *name) {
            format_name(buf, size, name, (uintptr_t)off);
            named = true;
        }
    }
    pthread_mutex_unlock(&dwfl_lock);
    return named;
}
#endif

bool pssim__platform_symbol_name(const void *addr, char *buf, size_t size)
{
    if (!addr || !buf || size == 0)
        return false;
#if defined(_WIN32)
    (void)addr;
    buf[0] = 0;
    return false;
#else
#if defined(PSSIM_HAVE_LIBDW)
    if (libdw_name((uintptr_t)addr, buf, size))
        return true;
#endif
    Dl_info info;
    /* Data and function pointers share a representation on every POSIX host (dlsym relies on
     * it), so the conversion below is the one POSIX itself makes. */
    void *p;
    *(const void **)&p = addr;
    if (dladdr(p, &info) == 0 || !info.dli_sname) {
        buf[0] = 0;
        return false;
    }
    format_name(buf, size, info.dli_sname, (uintptr_t)addr - (uintptr_t)info.dli_saddr);
    return true;
#endif
}

void pssim__platform_describe_address(const void *addr, char *buf, size_t size)
{
    if (size && !pssim__platform_symbol_name(addr, buf, size))
        snprintf(buf, size, "%p", addr);
}

void pssim__platform_describe_routine(void (*routine)(void), char *buf, size_t size)
{
    char sym[96];
    void *addr = pssim__fn_addr(routine);
    if (pssim__platform_symbol_name(addr, sym, sizeof(sym)))
        snprintf(buf, size, "%s (%p)", sym, addr);
    else
        snprintf(buf, size, "%p", addr);
}
