/* unload.c: what a driver leaves behind when DriverUnload returns (BUGCHECK-3, WORK-4;
 * docs/verifier.md). */
#include "core/machine.h"
#include "ex/work.h"
#include "ke/ke.h"
#include "ob/ob.h"
#include "verifier/verifier.h"

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
