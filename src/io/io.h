/* io.h: the I/O manager's internal interface (device objects, I/O work items, driver pins). */
#ifndef PSSIM_IO_IO_H
#define PSSIM_IO_IO_H

#include <pssim/wdk/ntifs.h>

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

#endif
