/* flt.h: the Filter Manager slice's internal interface (docs/filter-ports.md): minifilter
 * registrations and their communication ports. */
#ifndef PSSIM_FLT_FLT_H
#define PSSIM_FLT_FLT_H

#include <stdbool.h>
#include <stdint.h>

#include <pssim/pssim.h>
#include <pssim/wdk/fltKernel.h>

struct pssim_machine;
struct pssim_driver;

/* Per machine, made on first use: every registered filter, every server port (open, or closed
 * with connections left) and every client port (connection) not yet closed by both sides. */
typedef struct FLTP_STATE {
    LIST_ENTRY filters;
    LIST_ENTRY servers;
    LIST_ENTRY clients;
} FLTP_STATE;

/* The filters drv has registered and not unregistered (BUGCHECK-3: the unload checks report a
 * driver that unloads with one left, whose ports would then call into unloaded code). */
uint32_t FltpCountFiltersOf(struct pssim_machine *m, struct pssim_driver *drv);

/* Frees the records (machine destroy). */
void FltpFree(struct pssim_machine *m);

/* ---- between filter.c and port.c ---- */
FLTP_STATE *FltpState(struct pssim_machine *m); /* NULL: out of memory */
/* The live filter record behind the opaque pointer, or NULL. */
PFLT_FILTER FltpLookupFilter(struct pssim_machine *m, PFLT_FILTER filter);
struct pssim_driver *FltpFilterDriver(PFLT_FILTER filter);
/* FltUnregisterFilter's part for ports: closes the server ports the filter left open and
 * disconnects its connections, calling DisconnectNotify for each (FLTPORT-3). */
void FltpClosePortsOf(struct pssim_machine *m, PFLT_FILTER filter);
/* False, after raising 0xCE, when drv's image is gone (a routine of it is about to be called
 * through a registration it left behind). */
bool FltpDriverLoaded(struct pssim_machine *m, struct pssim_driver *drv, const void *routine,
                      const char *what);

#endif
