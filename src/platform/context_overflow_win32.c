/* context_overflow_win32.c: turning a stack overflow of a context into
 * PSSIM_SWITCH_STACK_OVERFLOW on Windows. A vectored exception handler (first in line, added
 * once per process) sees EXCEPTION_STACK_OVERFLOW, or an access violation or guard-page hit,
 * looks the stack pointer (or the faulting address) up in the guard registry, where every
 * context registered its whole stack reservation, and, when it is the running context of its
 * executor, reports the overflow: the backend's overflow_escape resumes the main context from
 * inside the handler, which runs on what is left of the dead stack (the stack guarantee each
 * context asks for). Anything else continues the search: real crashes stay crashes. Windows
 * needs no alternate signal stacks, so those calls do nothing here. */
#if defined(_WIN32)
#include <errno.h>
#include <windows.h>
#endif

#include "platform/context_impl.h"

#if defined(PSSIM_CTX_WIN32)

static INIT_ONCE install_once = INIT_ONCE_STATIC_INIT;
static PVOID handler_cookie;

static uintptr_t stack_pointer_of(const CONTEXT *ctx)
{
#if defined(_M_X64) || defined(__x86_64__)
    return (uintptr_t)ctx->Rsp;
#elif defined(_M_ARM64) || defined(__aarch64__)
    return (uintptr_t)ctx->Sp;
#elif defined(_M_IX86) || defined(__i386__)
    return (uintptr_t)ctx->Esp;
#else
    (void)ctx;
    return 0;
#endif
}

static LONG CALLBACK on_exception(PEXCEPTION_POINTERS ep)
{
    const EXCEPTION_RECORD *er = ep->ExceptionRecord;
    uintptr_t where;
    switch (er->ExceptionCode) {
    case EXCEPTION_STACK_OVERFLOW:
        where = stack_pointer_of(ep->ContextRecord);
        break;
    case EXCEPTION_ACCESS_VIOLATION:
    case EXCEPTION_GUARD_PAGE:
        where = er->NumberParameters >= 2 ? (uintptr_t)er->ExceptionInformation[1] : 0;
        break;
    default:
        return EXCEPTION_CONTINUE_SEARCH;
    }
    pssim_context *c = pssim__guard_find(where);
    if (!c || !pssim__overflow_is_running(c))
        return EXCEPTION_CONTINUE_SEARCH;
    /* An access violation inside the running context's own reservation happens only below
     * its committed stack: the stack ran out. */
    if (er->ExceptionCode != EXCEPTION_STACK_OVERFLOW && where >= c->lo)
        return EXCEPTION_CONTINUE_SEARCH;
    pssim__overflow_report(c); /* does not return */
    return EXCEPTION_CONTINUE_SEARCH;
}

static BOOL CALLBACK install(PINIT_ONCE once, PVOID param, PVOID *out)
{
    (void)once;
    (void)param;
    (void)out;
    handler_cookie = AddVectoredExceptionHandler(1, on_exception);
    return TRUE;
}

int pssim__overflow_init(void)
{
    InitOnceExecuteOnce(&install_once, install, NULL, NULL);
    return handler_cookie ? 0 : ENOMEM;
}

int pssim__altstack_alloc(pssim__altstack *a)
{
    a->mem = NULL;
    a->size = 0;
    a->installed = false;
    return 0;
}

void pssim__altstack_free(pssim__altstack *a)
{
    (void)a;
}

void pssim__altstack_install(pssim__altstack *a)
{
    (void)a;
}

void pssim__altstack_uninstall(pssim__altstack *a)
{
    (void)a;
}

int pssim__altstack_acquire_for_thread(void)
{
    return 0;
}

void pssim__altstack_release_for_thread(void)
{
}

#endif
