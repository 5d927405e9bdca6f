/* debug_print.c: DbgPrint, DbgPrintEx, vDbgPrintEx(WithPrefix), RtlAssert and assertion reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pssim/wdk/ntstatus.h>
#include <pssim/wdk/detail/debug.h>

#include "core/debug_output.h"
#include "core/machine.h"
#include "rtl/format.h"

/* Windows transmits at most 512 bytes per DbgPrint call: 511 of text and the terminator. */
#define DBG_MESSAGE_BYTES 512

static ULONG emit_message(PCCH prefix, ULONG component_id, ULONG level, PCCH format, va_list ap)
{
    char text[DBG_MESSAGE_BYTES];
    size_t used = 0;

    if (prefix != NULL) {
        used = strlen(prefix);
        if (used > sizeof(text) - 1)
            used = sizeof(text) - 1;
        memcpy(text, prefix, used);
        text[used] = '\0';
    }
    if (format != NULL)
        pssim__format_windows(text + used, sizeof(text) - used, format, ap);
    else
        text[used] = '\0';
    pssim__dbg_emit(component_id, level, text);
    return (ULONG)STATUS_SUCCESS;
}

NTSYSAPI ULONG DbgPrint(PCSTR Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    ULONG status = emit_message(NULL, DPFLTR_DEFAULT_ID, DPFLTR_INFO_LEVEL, Format, ap);
    va_end(ap);
    return status;
}

NTSYSAPI ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    ULONG status = emit_message(NULL, ComponentId, Level, Format, ap);
    va_end(ap);
    return status;
}

NTSYSAPI ULONG NTAPI vDbgPrintEx(ULONG ComponentId, ULONG Level, PCCH Format, va_list arglist)
{
    return emit_message(NULL, ComponentId, Level, Format, arglist);
}

NTSYSAPI ULONG NTAPI vDbgPrintExWithPrefix(PCCH Prefix, ULONG ComponentId, ULONG Level, PCCH Format,
                                           va_list arglist)
{
    return emit_message(Prefix, ComponentId, Level, Format, arglist);
}

NTKERNELAPI VOID pssim__assertion_failure_msg(const char *message, const char *expr,
                                              const char *file, int line)
{
    /* On Windows a failed NT_ASSERT raises STATUS_ASSERTION_FAILURE; with no debugger attached
     * nothing handles it and the system stops with KMODE_EXCEPTION_NOT_HANDLED (0x1E). With a
     * machine in force that machine stops; with none, the process does. */
    pssim_machine *m = pssim__current_machine();
    if (m) {
        pssim__bugcheck(m, 0x1E, (ULONG_PTR)(ULONG)STATUS_ASSERTION_FAILURE, 0, 0, 0,
                        "assertion failed: %s at %s(%d)%s%s", expr ? expr : "(unknown)",
                        file ? file : "(unknown)", line, message ? ": " : "",
                        message ? message : "");
        return;
    }
    fprintf(stderr, "pssim: assertion failed: %s\n    at %s(%d)\n", expr ? expr : "(unknown)",
            file ? file : "(unknown)", line);
    if (message != NULL)
        fprintf(stderr, "    message: %s\n", message);
    fflush(stderr);
    abort();
}

NTKERNELAPI VOID pssim__assertion_failure(const char *expr, const char *file, int line)
{
    pssim__assertion_failure_msg(NULL, expr, file, line);
}

NTSYSAPI VOID NTAPI RtlAssert(PVOID VoidFailedAssertion, PVOID VoidFileName, ULONG LineNumber,
                              PSTR MutableMessage)
{
    pssim__assertion_failure_msg(MutableMessage, (const char *)VoidFailedAssertion,
                                 (const char *)VoidFileName, (int)LineNumber);
}
