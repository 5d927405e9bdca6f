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
/* Queues a checked item on behalf of `owner` (the driver whose routine it runs). */
void ExpQueueWorkItem(struct pssim_machine *m, PWORK_QUEUE_ITEM item, WORK_QUEUE_TYPE type,
                      struct pssim_driver *owner);

/* How many items drv queued that have not started yet (the verifier's unload check). */
uint32_t ExpCountQueuedItemsOf(struct pssim_machine *m, const struct pssim_driver *drv);

#endif
