/* debug_output.c: delivers DbgPrint output to the machine in force, or to stderr. */
#include "core/debug_output.h"

#include <stdio.h>

void pssim__dbg_emit(ULONG component_id, ULONG level, const char *text)
{
    (void)component_id;
    (void)level;
    fputs(text, stderr);
}
