/* debug_output.h: where DbgPrint-family output goes (the machine's debug log, or stderr). */
#ifndef PSSIM_CORE_DEBUG_OUTPUT_H
#define PSSIM_CORE_DEBUG_OUTPUT_H

#include <pssim/wdk/ntdef.h>

/* Receives one fully formatted DbgPrint/DbgPrintEx message (NUL-terminated UTF-8). The caller
 * has already applied the component/level filter. */
void pssim__dbg_emit(ULONG component_id, ULONG level, const char *text);

#endif
