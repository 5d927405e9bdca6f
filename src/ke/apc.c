/* apc.c: kernel APCs (docs/apc.md, APC-1..6) and GUIDE-8, a wait that only an APC the thread
 * cannot run would end.
 *
 * A special kernel APC runs on its thread below APC_LEVEL outside guarded regions; a normal one
 * only at PASSIVE_LEVEL outside critical and guarded regions and not inside another normal APC.
 * Queued to the current thread, an APC its state allows runs at once; one queued to a waiting
 * thread that can take it ends the wait with STATUS_KERNEL_APC, and the thread runs it and waits
 * again (KiWaitForObjects), as Windows does; otherwise it waits for a delivery point: the IRQL
 * dropping below APC_LEVEL, a region left, the thread resuming on its processor, a wait. The
 * queue lives beside the thread object (KI_THREAD_EXTRA), so a thread that never gets a kernel
 * APC pays nothing. */
#include <stdio.h>

#include "core/machine.h"
#include "ke/ke.h"

bool KiKernelApcDeliverable(PETHREAD t, const KI_KERNEL_APC *apc)
{
    if (t->irql >= APC_LEVEL || t->special_apc_disable != 0)
        return false; /* APC-2 */
    if (apc->special)
        return true;
    /* APC-3: normal kernel APCs also need kernel APCs enabled, and one at a time. */
    return t->kernel_apc_disable == 0 && !(t->extra && t->extra->in_normal_apc);
}

/* Special APCs go after the special ones queued, before every normal one (APC-1). */
static void enqueue(KI_THREAD_EXTRA *x, KI_KERNEL_APC *apc)
{
    KI_KERNEL_APC **pp = &x->kapc_head;
    if (apc->special)
        while (*pp && (*pp)->special)
            pp = &(*pp)->next;
    else
        pp = x->kapc_tail ? &x->kapc_tail->next : &x->kapc_head;
    apc->next = *pp;
    *pp = apc;
    if (!apc->next)
        x->kapc_tail = apc;
}

static void unlink_apc(KI_THREAD_EXTRA *x, KI_KERNEL_APC **pp)
{
    KI_KERNEL_APC *apc = *pp;
    *pp = apc->next;
    if (x->kapc_tail == apc) {
        KI_KERNEL_APC *last = x->kapc_head;
        while (last && last->next)
            last = last->next;
        x->kapc_tail = last;
    }
    apc->next = NULL;
}

/* Runs apc on the current thread t: a special one at APC_LEVEL, a normal one at PASSIVE_LEVEL
 * marked in progress (APC-4). The queue's reference on the thread goes afterwards. */
static void run_apc(pssim_machine *m, PETHREAD t, KI_KERNEL_APC *apc)
{
    PETHREAD target = apc->thread;
    if (apc->special) {
        KIRQL irql = t->irql;
        t->irql = APC_LEVEL;
        apc->routine(m, apc, KI_APC_RUN);
        t->irql = irql;
    } else {
        t->extra->in_normal_apc = true;
        apc->routine(m, apc, KI_APC_RUN);
        t->extra->in_normal_apc = false;
    }
    ObpDereference(m, target);
}

bool KiDeliverKernelApcs(pssim_machine *m)
{
    PETHREAD t = m->current_thread;
    bool ran = false;
    while (t && t->extra && !m->bugchecked) {
        KI_THREAD_EXTRA *x = t->extra;
        KI_KERNEL_APC **pp = &x->kapc_head;
        while (*pp && !KiKernelApcDeliverable(t, *pp))
            pp = &(*pp)->next;
        if (!*pp)
            break;
        KI_KERNEL_APC *apc = *pp;
        unlink_apc(x, pp);
        run_apc(m, t, apc);
        ran = true;
    }
    return ran;
}

static void deliver_on(void *arg)
{
    (void)KiDeliverKernelApcs(arg);
}

/* ---- GUIDE-8 ---- */

/* Why t cannot run apc now, into buf. */
static void why_not(PETHREAD t, const KI_KERNEL_APC *apc, char *buf, size_t size)
{
    if (t->irql >= APC_LEVEL)
        snprintf(buf, size,
                 "the thread waits at IRQL %u, and no kernel APC runs at APC_LEVEL or above "
                 "(ExAcquireFastMutex raises to APC_LEVEL)",
                 (unsigned)t->irql);
    else if (t->special_apc_disable != 0)
        snprintf(buf, size,
                 "the thread is in a guarded region (depth %d: KeEnterGuardedRegion, "
                 "KeAcquireGuardedMutex), where no kernel APC runs",
                 (int)t->special_apc_disable);
    else if (!apc->special && t->kernel_apc_disable != 0)
        snprintf(buf, size,
                 "normal kernel APCs are disabled on the thread (critical region depth %d: "
                 "KeEnterCriticalRegion, a process or image notify routine, a KMUTEX or "
                 "ERESOURCE held)",
                 (int)t->kernel_apc_disable);
    else
        snprintf(buf, size, "the thread is running a normal kernel APC already");
}

/* Whether apc is what would end a wait on `objects`: it sets one of them; one whose effect is
 * not known (no event) is taken to be what a wait without a timeout is for. */
static bool ends_wait(const KI_KERNEL_APC *apc, ULONG count, void *const objects[],
                      bool has_timeout)
{
    if (!apc->event)
        return count > 0 && !has_timeout;
    for (ULONG i = 0; i < count; i++)
        if (objects[i] == apc->event)
            return true;
    return false;
}

static void report_stuck(pssim_machine *m, PETHREAD t, KI_KERNEL_APC *apc)
{
    apc->reported = true;
    char why[256];
    why_not(t, apc, why, sizeof(why));
    const pssim_verifier_call *c = t->vframe;
    const pssim_driver *drv = c ? c->drv : t->current_driver;
    const char *api = t->extra && t->extra->wait_api ? t->extra->wait_api : "a wait";
    char inside[192] = "";
    if (c)
        snprintf(inside, sizeof(inside), " inside the %s of driver '%s'", c->what,
                 c->drv ? c->drv->name : "(host)");
    pssim__verifier_report(
        m, PSSIM_VRULE_APC_DISABLED_WAIT, drv, c ? c->routine : NULL, api,
        "%s on thread TID %lu%s waits for event %p, which only %s (a %s kernel APC queued to "
        "this thread, IRP %p) sets; the thread cannot run it: %s. The wait never ends (GUIDE-8: "
        "process and image notify routines run with normal kernel APCs disabled; anything that "
        "needs an APC on this thread, such as waiting for I/O completion on it, hangs). Fix: "
        "issue the request from a work item, or use an asynchronous IRP (IoAllocateIrp) with a "
        "completion routine that signals the event, or guard the data with "
        "KeEnterCriticalRegion + ExAcquireFastMutexUnsafe or a KMUTEX instead of raising to "
        "APC_LEVEL.",
        api, (unsigned long)(uintptr_t)t->tid, inside, (void *)apc->event, apc->what,
        apc->special ? "special" : "normal", (void *)apc->irp, why);
}

void KiCheckUndeliverableApcs(pssim_machine *m, PETHREAD t, ULONG count, void *const objects[],
                              bool has_timeout)
{
    if (!KI_KERNEL_APCS_QUEUED(t) || !pssim__verifier_on(m, PSSIM_VRULE_APC_DISABLED_WAIT))
        return;
    for (KI_KERNEL_APC *apc = t->extra->kapc_head; apc && !m->bugchecked; apc = apc->next)
        if (!apc->reported && !KiKernelApcDeliverable(t, apc) &&
            ends_wait(apc, count, objects, has_timeout))
            report_stuck(m, t, apc);
}

/* ---- queueing ---- */

void KiQueueKernelApc(pssim_machine *m, KI_KERNEL_APC *apc)
{
    PETHREAD t = apc->thread;
    apc->next = NULL;
    apc->reported = false;
    if (t->terminated || (t->extra && t->extra->running_down)) {
        apc->routine(m, apc, KI_APC_RUNDOWN); /* APC-6: the thread is gone */
        return;
    }
    KI_THREAD_EXTRA *x = KiThreadExtra(t);
    if (!x) {
        apc->routine(m, apc, KI_APC_RUN); /* out of memory: at once, where it was queued */
        return;
    }
    ObpReference(t);
    enqueue(x, apc);
    if (t == m->current_thread) {
        if (KiKernelApcDeliverable(t, apc))
            KiDeliverKernelApcs(m); /* APC-5: the APC interrupt, at once */
        return;
    }
    bool can = KiKernelApcDeliverable(t, apc);
    if (t->waiting) {
        if (can) {
            KiAbortWait(m, t, STATUS_KERNEL_APC); /* it runs the APC and waits again */
            return;
        }
        void *objects[MAXIMUM_WAIT_OBJECTS];
        for (ULONG i = 0; i < t->wait_count && i < MAXIMUM_WAIT_OBJECTS; i++)
            objects[i] = t->wait_blocks[i].Object;
        if (pssim__verifier_on(m, PSSIM_VRULE_APC_DISABLED_WAIT) &&
            ends_wait(apc, t->wait_count, objects, t->wait_timer_armed))
            report_stuck(m, t, apc);
        return;
    }
    /* Not waiting: a thread without a body (the host between calls, a puppet) takes it now,
     * under its identity; one with a body when it next runs (KiSwitchToScheduler). */
    if (can && !t->context)
        PspRunOnThread(m, t, deliver_on, m);
}

/* ---- the end of a thread (APC-6) ---- */

void KiRundownKernelApcs(pssim_machine *m, PETHREAD t)
{
    if (!KI_KERNEL_APCS_QUEUED(t))
        return;
    if (t == m->current_thread)
        KiDeliverKernelApcs(m);
    else
        PspRunOnThread(m, t, deliver_on, m);
    KI_THREAD_EXTRA *x = t->extra;
    x->running_down = true;
    while (x->kapc_head && !m->bugchecked) {
        KI_KERNEL_APC *apc = x->kapc_head;
        unlink_apc(x, &x->kapc_head);
        apc->routine(m, apc, KI_APC_RUNDOWN);
        ObpDereference(m, t);
    }
    x->running_down = false;
}
