/* work_checks.c: work item routines that hold a shared system worker thread too long (WORK-3,
 * rule long-work-item; docs/verifier.md). */
#include <string.h>

#include "core/machine.h"
#include "verifier/verifier.h"

/* WORK-3: the system's worker threads are few and shared; an item that computes or waits for
 * long holds up every item queued behind it (pssim runs one worker per queue, so they visibly
 * wait). Measured in virtual time from the routine's start to its return, waits included. */
void pssim__verifier_work_item_ran(pssim_machine *m, const pssim_driver *drv, void (*routine)(void),
                                   const char *api, uint64_t start_ns)
{
    if (!pssim__verifier_on(m, PSSIM_VRULE_LONG_WORK_ITEM) || m->bugchecked)
        return;
    uint64_t ns = m->now_ns - start_ns, budget = m->cfg.verifier_work_budget_ns;
    if (ns <= budget)
        return;
    const void *addr;
    memcpy(&addr, &routine, sizeof(addr));
    pssim__verifier_report(
        m, PSSIM_VRULE_LONG_WORK_ITEM, drv, addr, api,
        "the work item routine of driver '%s' (queued with %s) held a shared system worker "
        "thread for %llu ns (%.1f ms) of virtual time, past the budget of %llu ns (%.1f ms): "
        "work items must be short, and every item queued behind this one waited for it "
        "(WORK-3). Fix: run long or blocking work on a thread of your own "
        "(PsCreateSystemThread), or split it into short items.",
        drv && drv->object ? drv->name : "(host)", api ? api : "ExQueueWorkItem",
        (unsigned long long)ns, (double)ns / 1e6, (unsigned long long)budget, (double)budget / 1e6);
}
