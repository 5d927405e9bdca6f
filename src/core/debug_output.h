/* debug_output.h: where DbgPrint-family output goes (the machine's debug log, or stderr). */
#ifndef PSSIM_CORE_DEBUG_OUTPUT_H
#define PSSIM_CORE_DEBUG_OUTPUT_H

#include <pssim/wdk/ntdef.h>

/* Receives one fully formatted DbgPrint/DbgPrintEx message (NUL-terminated UTF-8), unfiltered:
 * every message goes to the debug log of the machine in force (and to stderr when that machine's
 * config asks for it); with no machine in force, to stderr. */
void pssim__dbg_emit(ULONG component_id, ULONG level, const char *text);

#endif
