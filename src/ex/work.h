/* work.h: the system worker queues' internal interface (src/ex/work.c), used by I/O work items. */
#ifndef PSSIM_EX_WORK_H
#define PSSIM_EX_WORK_H

#include <stdbool.h>

#include <pssim/wdk/wdm.h>

struct pssim_machine;
struct pssim_driver;

/* The checks every queueing call makes (WORK-1 IRQL, WORK-11 queue type); false after raising
 * the bug check. `api` names the call in the report. */
bool ExpCheckQueueCall(struct pssim_machine *m, PVOID item, WORK_QUEUE_TYPE type, const char *api);
/* Whose an item is, kept beside it from queueing until its routine has returned. */
typedef struct EX_WORK_ORIGIN {
    struct pssim_driver *driver; /* the driver whose routine it runs */
    void (*routine)(void);       /* that routine (for an I/O item the driver's, not the wrapper) */
    const char *api;             /* the call that queued it, for reports */
    bool pins_driver;            /* an I/O item: the driver stays loaded until it ran (WORK-4) */
} EX_WORK_ORIGIN;

/* Queues a checked item on behalf of origin->driver. */
void ExpQueueWorkItem(struct pssim_machine *m, PWORK_QUEUE_ITEM item, WORK_QUEUE_TYPE type,
                      const EX_WORK_ORIGIN *origin);

/* The items of drv that do not keep it loaded (ExQueueWorkItem, WORK-4): how many have not
 * started yet, and how many routines are running now (the verifier's unload check). */
void ExpCountUnpinnedItemsOf(struct pssim_machine *m, const struct pssim_driver *drv,
                             uint32_t *queued, uint32_t *running);

#endif
