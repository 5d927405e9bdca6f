/* hooks.c: where the verifier's rules look at what a driver does (docs/verifier.md). */
#include <stdio.h>
#include <string.h>

#include "core/machine.h"
#include "ex/work.h"
#include "ke/ke.h"
#include "ob/ob.h"
#include "verifier/verifier.h"

void pssim__verifier_routine_enter(pssim_machine *m, pssim_verifier_call *c)
{
    PETHREAD t = m->current_thread;
    c->start_ns = m->now_ns;
    c->start_calls = t->kernel_calls;
    c->outer_queued_work = t->queued_work;
    t->queued_work = false;
}

/* GUIDE-1: the call just made took more virtual time or kernel calls than the budget. */
void pssim__verifier_routine_leave(pssim_machine *m, pssim_verifier_call *c,
                                   const pssim_driver *drv, const void *routine, const char *what)
{
    m->current_thread->queued_work = c->outer_queued_work;
    if (!pssim__verifier_on(m, PSSIM_VRULE_SLOW_ROUTINE) || m->bugchecked)
        return;
    uint64_t ns = m->now_ns - c->start_ns;
    uint32_t calls = m->current_thread->kernel_calls - c->start_calls;
    if (ns <= m->cfg.verifier_budget_ns && calls <= m->cfg.verifier_budget_calls)
        return;
    pssim__verifier_report(m, PSSIM_VRULE_SLOW_ROUTINE, drv, routine, NULL,
                           "the %s-notify routine took %llu ns of virtual time and %u kernel "
                           "calls (budget %llu ns, %u calls): notify routines must do little and "
                           "return fast (GUIDE-1). Fix: record what you need and hand the rest to "
                           "a work item or a system thread (GUIDE-6).",
                           what, (unsigned long long)ns, (unsigned)calls,
                           (unsigned long long)m->cfg.verifier_budget_ns,
                           (unsigned)m->cfg.verifier_budget_calls);
}

void pssim__verifier_work_queued(pssim_machine *m)
{
    PETHREAD t = m->current_thread;
    if (t && t->held_count > 0)
        t->queued_work = true;
}

/* GUIDE-6: waiting for work the routine handed off: after queueing a work item, or on a thread
 * of its own driver. */
static void check_own_work(pssim_machine *m, PETHREAD t, PSP_NOTIFY_SLOT *blk, const void *routine,
                           const char *api, void *const *objects, unsigned long count)
{
    if (!pssim__verifier_on(m, PSSIM_VRULE_WAIT_FOR_OWN_WORK))
        return;
    bool own_thread = false;
    for (unsigned long i = 0; i < count && !own_thread; i++) {
        PETHREAD w = objects[i];
        own_thread = ObpIsLiveObject(m, w) &&
                     OBJECT_TO_OBJECT_HEADER(w)->type == &PspThreadObjectType && blk->owner &&
                     w->current_driver == blk->owner;
    }
    if (!t->queued_work && !own_thread)
        return;
    pssim__verifier_report(m, PSSIM_VRULE_WAIT_FOR_OWN_WORK, blk->owner, routine, api,
                           "%s inside a notify routine %s: hand slow work to a worker thread and "
                           "do not wait for it (GUIDE-6, WORK-10); the routine's thread, and the "
                           "worker it waits for, can deadlock. Fix: return, and let the work "
                           "item or thread finish on its own.",
                           api,
                           own_thread ? "waits for a thread of its own driver"
                                      : "waits after queueing a work item");
}

void pssim__verifier_blocking_call(pssim_machine *m, const char *api, void *const *objects,
                                   unsigned long count)
{
    PETHREAD t = m->current_thread;
    if (!t || t->held_count == 0)
        return;
    uint32_t top = t->held_count < PSP_MAX_HELD_BLOCKS ? t->held_count : PSP_MAX_HELD_BLOCKS;
    PSP_NOTIFY_SLOT *blk = t->held_blocks[top - 1];
    const void *routine = NULL;
    memcpy(&routine, &blk->routine, sizeof(routine));
    check_own_work(m, t, blk, routine, api, objects, count);
    if (!pssim__verifier_on(m, PSSIM_VRULE_BLOCKING_CALL) || m->bugchecked)
        return;
    pssim__verifier_report(m, PSSIM_VRULE_BLOCKING_CALL, blk->owner, routine, api,
                           "%s inside a notify routine can block: notify routines must not make "
                           "calls that block (GUIDE-4); the creating or exiting thread, and every "
                           "routine after this one, wait with it. Fix: use a zero timeout, or "
                           "queue the work to a worker thread and do not wait for it (GUIDE-6).",
                           api);
}

/* BUGCHECK-3 (and WORK-4, SYSTHREAD): what DriverUnload left that can still call into the
 * driver, reported now rather than at the later 0xCE. */
void pssim__verifier_unload_checks(pssim_machine *m, pssim_driver *drv)
{
    if (!pssim__verifier_on(m, PSSIM_VRULE_UNLOAD_LEFTOVERS) || m->bugchecked)
        return;
    char routines[256] = "";
    uint32_t notify = PspDescribeRoutinesOf(m, drv, routines, sizeof(routines));
    uint32_t ob = ObpCountRegistrationsOf(m, drv);
    uint32_t items = ExpCountQueuedItemsOf(m, drv);
    uint32_t threads = 0;
    for (LIST_ENTRY *pe = m->process_list.Flink; pe != &m->process_list; pe = pe->Flink) {
        PEPROCESS p = CONTAINING_RECORD(pe, struct _KPROCESS, machine_link);
        for (LIST_ENTRY *te = p->thread_list.Flink; te != &p->thread_list; te = te->Flink) {
            PETHREAD t = CONTAINING_RECORD(te, struct _KTHREAD, process_link);
            if (t->context && !t->terminated && !t->exited_body && t->current_driver == drv)
                threads++;
        }
    }
    if (notify + ob + items + threads == 0)
        return;
    pssim__verifier_report(
        m, PSSIM_VRULE_UNLOAD_LEFTOVERS, drv, NULL, "DriverUnload",
        "DriverUnload returned leaving %u notify routine(s)%s%s, %u Ob callback registration(s), "
        "%u ExQueueWorkItem item(s) not yet run and %u system thread(s) still running; each "
        "will call into the unloaded driver (0xCE on Windows, BUGCHECK-3). Fix: remove every "
        "routine, ObUnRegisterCallbacks, wait for work items and for your threads' objects in "
        "DriverUnload.",
        notify, notify ? ": " : "", routines, ob, items, threads);
}
