/* io.h: the I/O manager's internal interface (device objects, I/O work items, driver pins). */
#ifndef PSSIM_IO_IO_H
#define PSSIM_IO_IO_H

#include <stdbool.h>

#include <pssim/wdk/ntifs.h>

#include "ke/ke.h"

struct pssim_machine;
struct pssim_driver;

/* A driver's image stays loaded while something pins it: each device object it created (until
 * the object is deleted and its last reference goes, IO-DEV-4) and each I/O work item queued on
 * its driver object (WORK-4). The unload finishes when DriverUnload has run and the last pin
 * goes. */
void IopPinDriver(struct pssim_driver *drv);
void IopUnpinDriver(struct pssim_driver *drv);
/* Called by pssim_driver_unload after DriverUnload returned. */
void IopDriverUnloadRan(struct pssim_driver *drv);

/* The driver record behind a driver object (NULL when the object is not a loaded driver's). */
struct pssim_driver *IopDriverOfObject(struct pssim_machine *m, PDRIVER_OBJECT object);

/* False, after raising 0xC4 / 0xE5 (a kernel API at the wrong IRQL), when the current IRQL is
 * above `max`; `rule` names the rule in the report. */
bool IopIrqlAtMost(struct pssim_machine *m, KIRQL max, const char *api, const void *arg,
                   const char *rule);

/* The device object named `name` in the namespace (no reference taken), or NULL. */
PDEVICE_OBJECT IopLookupDevice(struct pssim_machine *m, PCUNICODE_STRING name);

/* The thread a user-mode request of process `pid` runs on (IO-CLIENT-1): the calling body thread
 * (pid NULL or its own), the host thread for NULL or the host process, else the oldest live
 * thread of pid. INVALID_PARAMETER when there is none, INVALID_DEVICE_STATE when it is blocked
 * in a wait of its own. *out_pid (may be NULL) receives the process it belongs to. */
NTSTATUS IopPickRequestor(struct pssim_machine *m, HANDLE pid, PETHREAD *out, HANDLE *out_pid);

/* ---- names (names.c), symbolic links (symlink.c) ---- */
/* Case-insensitive equality of two counted WCHAR runs. */
bool IopNameEqual(const WCHAR *a, size_t an, const WCHAR *b, size_t bn);
/* The length of the ASCII `prefix` when s starts with it (without case), else 0. */
size_t IopNamePrefix(const WCHAR *s, size_t n, const char *prefix);
void IopDestroySymbolicLinks(struct pssim_machine *m);
PDEVICE_OBJECT IopResolveDeviceName(struct pssim_machine *m, const WCHAR *s, size_t n, WCHAR *rest,
                                    size_t rest_cap, size_t *rest_units);

/* ---- IRPs (irp.c, docs/io.md IRP-10) ----
 * For the library's own issuers of IRPs (pssim_device_open and the like): the issuer allocates
 * the IRP with IoAllocateIrp, fills it, names itself with IopSetIrpIssuer and sends it with
 * IoCallDriver. When the IRP's completion runs past its last stack location (no completion
 * routine stopped it with STATUS_MORE_PROCESSING_REQUIRED), IofCompleteRequest copies IoStatus
 * to *UserIosb, sets UserEvent, and then calls the issuer's completion, once per completion:
 * on the thread that completed the IRP, at that thread's IRQL (at most DISPATCH_LEVEL), from
 * within that driver's IoCompleteRequest call. From then on the IRP is the issuer's again: it
 * frees it with IoFreeIrp (or reuses it with IoReuseIrp, which keeps the issuer), there or
 * later; MDLs and buffers it attached are its own to free. Completing it a second time is
 * 0x44, as for any IRP. */
typedef void IOP_IRP_ISSUER_COMPLETION(struct pssim_machine *m, PIRP irp, void *context);

/* Makes the caller the issuer of `irp`, or stops being it (completion NULL). False, with nothing
 * changed, when `irp` did not come from IoAllocateIrp (caller memory, or freed). */
bool IopSetIrpIssuer(PIRP irp, IOP_IRP_ISSUER_COMPLETION *completion, void *context);

/* ---- threaded IRPs (build.c, docs/apc.md IRP-18..21) ----
 * An IRP from IoBuildDeviceIoControlRequest or IoBuildSynchronousFsdRequest is queued to the
 * thread that built it; when it completes back to the I/O manager, the final stage (buffered
 * output back, MDLs and system buffer released, *UserIosb, UserEvent, the IRP freed) runs as a
 * special kernel APC to that thread. */
typedef struct IOP_THREADED_IRP {
    PETHREAD thread; /* the thread it is queued to (referenced); NULL: not a threaded IRP */
    const char *api; /* the routine that built it */
    ULONG out_len;   /* at most this many bytes of buffered output go back */
    CCHAR boost;     /* the completion's priority boost, for UserEvent */
    bool no_copy;    /* failed through IoRaiseHardError: nothing goes back to the buffers */
    KI_KERNEL_APC apc;
} IOP_THREADED_IRP;
/* The threaded-IRP part of an IRP from IoAllocateIrp (zero for other IRPs); NULL for an IRP
 * without a header. */
IOP_THREADED_IRP *IopThreadedIrp(struct pssim_machine *m, PIRP irp);
/* IRP-19: the final stage of a threaded IRP, called by IoCompleteRequest past its last
 * location: queues the completion APC to its thread. */
void IopCompleteThreadedIrp(struct pssim_machine *m, PIRP irp, CCHAR boost);

#endif
