/* debug_output.c: DbgPrint output goes to the machine's debug log, like a kernel debugger's. */
#include "core/debug_output.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"

/* Appends text, keeping only the newest PSSIM_DEBUG_LOG_SIZE - 1 bytes. */
static void log_append(pssim_machine *m, const char *text)
{
    if (!m->debug_log) {
        m->debug_log = pssim__alloc(PSSIM_DEBUG_LOG_SIZE);
        if (!m->debug_log)
            return;
    }
    size_t cap = PSSIM_DEBUG_LOG_SIZE - 1, n = strlen(text);
    if (n >= cap) {
        text += n - cap;
        n = cap;
    }
    if (m->debug_log_len + n > cap) {
        size_t drop = m->debug_log_len + n - cap;
        memmove(m->debug_log, m->debug_log + drop, m->debug_log_len - drop);
        m->debug_log_len -= drop;
    }
    memcpy(m->debug_log + m->debug_log_len, text, n);
    m->debug_log_len += n;
    m->debug_log[m->debug_log_len] = 0;
}

void pssim__dbg_emit(ULONG component_id, ULONG level, const char *text)
{
    (void)component_id;
    (void)level;
    pssim_machine *m = pssim__current_machine();
    if (!m) {
        fputs(text, stderr);
        return;
    }
    log_append(m, text);
    if (m->cfg.debug_print_stderr)
        fputs(text, stderr);
}

const char *pssim_debug_log(const pssim_machine *m)
{
    return m && m->debug_log ? m->debug_log : "";
}

void pssim_debug_log_clear(pssim_machine *m)
{
    if (m && m->debug_log) {
        m->debug_log_len = 0;
        m->debug_log[0] = 0;
    }
}
