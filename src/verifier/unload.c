/* unload.c: what a driver leaves behind when DriverUnload returns (BUGCHECK-3, WORK-4;
 * docs/verifier.md). What it leaked is checked when the image goes (leaks.c). */
#include <stdio.h>

#include "core/machine.h"
#include "ex/work.h"
#include "ke/ke.h"
#include "ob/ob.h"
#include "verifier/verifier.h"

/* System threads running the driver's code: its own (PsCreateSystemThread while its code ran).
 * A worker running one of its routines is counted with the work items instead. */
static uint32_t count_threads_of(pssim_machine *m, const pssim_driver *drv)
{
    uint32_t n = 0;
    for (LIST_ENTRY *pe = m->process_list.Flink; pe != &m->process_list; pe = pe->Flink) {
        PEPROCESS p = CONTAINING_RECORD(pe, struct _KPROCESS, machine_link);
        for (LIST_ENTRY *te = p->thread_list.Flink; te != &p->thread_list; te = te->Flink) {
            PETHREAD t = CONTAINING_RECORD(te, struct _KTHREAD, process_link);
            if (t->context && !t->terminated && !t->exited_body && !t->worker &&
                t->current_driver == drv)
                n++;
        }
    }
    return n;
}

/* BUGCHECK-3 (and WORK-4, SYSTHREAD): what DriverUnload left that can still call into the
 * driver, or write into its memory, reported now rather than at the later 0xCE. An I/O work
 * item is not among them: it keeps the driver loaded until its routine has run (WORK-4). */
void pssim__verifier_unload_checks(pssim_machine *m, pssim_driver *drv)
{
    if (!pssim__verifier_on(m, PSSIM_VRULE_UNLOAD_LEFTOVERS) || m->bugchecked)
        return;
    char routines[160] = "", timers[160] = "";
    uint32_t notify = PspDescribeRoutinesOf(m, drv, routines, sizeof(routines));
    uint32_t ob = ObpCountRegistrationsOf(m, drv);
    uint32_t queued, running;
    ExpCountUnpinnedItemsOf(m, drv, &queued, &running);
    uint32_t threads = count_threads_of(m, drv);
    uint32_t set_timers = KiDescribeTimersOf(m, drv, timers, sizeof(timers));
    if (notify + ob + queued + running + threads + set_timers == 0)
        return;

    /* Only what is there is named, each with its fix. */
    char what[400], fix[200];
    size_t w = 0, f = 0;
    if (notify) {
        w = pssim__verifier_append(what, sizeof(what), w, "%u notify routine(s): %s", notify,
                                   routines);
        f = pssim__verifier_append(fix, sizeof(fix), f, "remove every notify routine");
    }
    if (ob) {
        w = pssim__verifier_append(what, sizeof(what), w, "%s%u Ob callback registration(s)",
                                   w ? ", " : "", ob);
        f = pssim__verifier_append(fix, sizeof(fix), f, "%sObUnRegisterCallbacks", f ? ", " : "");
    }
    if (queued || running) {
        if (queued)
            w = pssim__verifier_append(what, sizeof(what), w,
                                       "%s%u ExQueueWorkItem item(s) not yet run", w ? ", " : "",
                                       queued);
        if (running)
            w = pssim__verifier_append(what, sizeof(what), w,
                                       "%s%u ExQueueWorkItem routine(s) still running",
                                       w ? ", " : "", running);
        f = pssim__verifier_append(fix, sizeof(fix), f,
                                   "%swait for your work items (or use IoQueueWorkItem)",
                                   f ? ", " : "");
    }
    if (threads) {
        w = pssim__verifier_append(what, sizeof(what), w, "%s%u system thread(s) still running",
                                   w ? ", " : "", threads);
        f = pssim__verifier_append(fix, sizeof(fix), f,
                                   "%smake your threads exit and wait for them", f ? ", " : "");
    }
    if (set_timers) {
        w = pssim__verifier_append(what, sizeof(what), w, "%s%u timer(s) still set: %s",
                                   w ? ", " : "", set_timers, timers);
        f = pssim__verifier_append(fix, sizeof(fix), f, "%sKeCancelTimer each timer",
                                   f ? ", " : "");
    }
    pssim__verifier_report(m, PSSIM_VRULE_UNLOAD_LEFTOVERS, drv, NULL, "DriverUnload",
                           "DriverUnload returned leaving %s; each will call into or write to the "
                           "unloaded driver (0xCE on Windows, 0xC7 for a timer in freed memory; "
                           "BUGCHECK-3). Fix: %s in DriverUnload.",
                           what, fix);
}
