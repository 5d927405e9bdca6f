/* timer.c: KTIMER (one-shot and periodic, notification and synchronization) and DPCs.
 *
 * Set timers sit in one list ordered by due time, an event source of the scheduler loop like a
 * waiting thread's timeout. An expiring timer is signaled (its waiters wake) and queues its
 * DPC. DPCs run at DISPATCH_LEVEL on the machine's DPC thread, a system thread at priority 31
 * that never counts as a thread a run waits for. */
#include <stdio.h>
#include <string.h>

#include "core/machine.h"
#include "ke/ke.h"
#include "platform/platform.h"

static uint64_t due_ns_of(pssim_machine *m, LONGLONG due)
{
    if (due < 0)
        return m->now_ns + (uint64_t)(-due) * 100u;
    LONGLONG since_boot = due - m->cfg.boot_system_time;
    return since_boot <= 0 ? m->now_ns : (uint64_t)since_boot * 100u;
}

static void insert_timer(KI_DISPATCHER *d, PKTIMER t)
{
    LIST_ENTRY *e = d->ktimers.Blink;
    while (e != &d->ktimers &&
           CONTAINING_RECORD(e, KTIMER, TimerListEntry)->DueTime.QuadPart > t->DueTime.QuadPart)
        e = e->Blink;
    LIST_ENTRY *next = e->Flink;
    t->TimerListEntry.Flink = next;
    t->TimerListEntry.Blink = e;
    e->Flink = &t->TimerListEntry;
    next->Blink = &t->TimerListEntry;
}

static bool timer_is_set(PKTIMER t)
{
    return t->Header.Reserved1 != 0;
}

VOID KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type)
{
    if (!Timer)
        return;
    memset(Timer, 0, sizeof(*Timer));
    Timer->Header.Type =
        Type == SynchronizationTimer ? TimerSynchronizationObject : TimerNotificationObject;
    Timer->Header.Size = (UCHAR)(sizeof(KTIMER) / sizeof(LONG));
    InitializeListHead(&Timer->Header.WaitListHead);
}

VOID KeInitializeTimer(PKTIMER Timer)
{
    KeInitializeTimerEx(Timer, NotificationTimer);
}

BOOLEAN KeCancelTimer(PKTIMER Timer)
{
    if (!Timer || !timer_is_set(Timer))
        return FALSE;
    RemoveEntryList(&Timer->TimerListEntry);
    Timer->Header.Reserved1 = 0;
    return TRUE;
}

uint64_t KiRoundDueTime(const pssim_machine *m, uint64_t due_ns)
{
    uint64_t r = m->cfg.timer_resolution_ns;
    return r ? (due_ns + r - 1) / r * r : due_ns;
}

BOOLEAN KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || !Timer || Period < 0)
        return FALSE;
    KI_DISPATCHER *d = KiDispatcher(m);
    if (!d)
        return FALSE;
    BOOLEAN was_set = KeCancelTimer(Timer);
    /* Whose timer it is, for the unload check (BUGCHECK-3): the driver whose code sets it.
     * Set again from code of no driver (its DPC routine, which runs as none) it stays theirs.
     * The KTIMER has no field for it and pssim keeps no per-processor timer lists, so the
     * Processor field, opaque to drivers, holds the driver's id. */
    PETHREAD cur = m->current_thread;
    if (cur && cur->current_driver && cur->current_driver->id)
        Timer->Processor = cur->current_driver->id;
    /* Setting a timer resets it to not signaled. */
    Timer->Header.SignalState = 0;
    Timer->Dpc = Dpc;
    Timer->Period = (ULONG)Period;
    Timer->DueTime.QuadPart = KiRoundDueTime(m, due_ns_of(m, DueTime.QuadPart));
    Timer->Header.Reserved1 = 1;
    insert_timer(d, Timer);
    return was_set;
}

BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc)
{
    return KeSetTimerEx(Timer, DueTime, 0, Dpc);
}

BOOLEAN KeReadStateTimer(PKTIMER Timer)
{
    return Timer && Timer->Header.SignalState ? TRUE : FALSE;
}

PKTIMER KiFirstTimer(pssim_machine *m)
{
    KI_DISPATCHER *d = m->ke;
    if (!d || IsListEmpty(&d->ktimers))
        return NULL;
    return CONTAINING_RECORD(d->ktimers.Flink, KTIMER, TimerListEntry);
}

void KiExpireKTimer(pssim_machine *m, PKTIMER t)
{
    KI_DISPATCHER *d = m->ke;
    RemoveEntryList(&t->TimerListEntry);
    t->Header.Reserved1 = 0;
    if (t->Period) {
        /* The next period counts from this expiry, and lands on a clock interval too. */
        t->DueTime.QuadPart =
            KiRoundDueTime(m, (uint64_t)t->DueTime.QuadPart + (uint64_t)t->Period * 1000000u);
        t->Header.Reserved1 = 1;
        insert_timer(d, t);
    }
    t->Header.SignalState = 1;
    KiWakeWaiters(m, &t->Header, 0);
    if (t->Dpc)
        KeInsertQueueDpc(t->Dpc, NULL, NULL);
}

uint32_t KiDescribeTimersOf(pssim_machine *m, const pssim_driver *drv, char *buf, size_t size)
{
    KI_DISPATCHER *d = m->ke;
    uint32_t n = 0;
    size_t at = 0;
    if (size)
        buf[0] = 0;
    for (LIST_ENTRY *e = d ? d->ktimers.Flink : NULL; e && e != &d->ktimers; e = e->Flink) {
        PKTIMER t = CONTAINING_RECORD(e, KTIMER, TimerListEntry);
        if (!drv->id || t->Processor != drv->id)
            continue;
        char dpc[112] = "no DPC";
        if (t->Dpc && t->Dpc->DeferredRoutine) {
            void *addr;
            memcpy(&addr, &t->Dpc->DeferredRoutine, sizeof(addr));
            char sym[96];
            pssim__platform_describe_address(addr, sym, sizeof(sym));
            snprintf(dpc, sizeof(dpc), "DPC %s", sym);
        }
        char period[32] = "";
        if (t->Period)
            snprintf(period, sizeof(period), ", every %lu ms", (unsigned long)t->Period);
        int w = snprintf(at < size ? buf + at : NULL, at < size ? size - at : 0, "%s%p (%s%s)",
                         n ? ", " : "", (void *)t, dpc, period);
        at += w > 0 ? (size_t)w : 0;
        n++;
    }
    return n;
}

/* ---- DPCs ---- */

VOID KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    if (!Dpc)
        return;
    memset(Dpc, 0, sizeof(*Dpc));
    Dpc->Type = 19; /* DpcObject */
    Dpc->Importance = MediumImportance;
    Dpc->DeferredRoutine = DeferredRoutine;
    Dpc->DeferredContext = DeferredContext;
}

static VOID dpc_thread_body(PVOID arg)
{
    pssim_machine *m = arg;
    KI_DISPATCHER *d = m->ke;
    PETHREAD t = m->current_thread;
    t->kernel_apc_disable = 0;
    for (;;) {
        while (!d->dpc_head) {
            t->worker_idle = true;
            KiWaitForObject(m, &d->dpc_ready, false, 0, Executive);
            t->worker_idle = false;
            if (m->bugchecked)
                return;
        }
        PKDPC dpc = d->dpc_head;
        d->dpc_head = (PKDPC)dpc->DpcListEntry.Next;
        if (!d->dpc_head)
            d->dpc_tail = NULL;
        dpc->DpcListEntry.Next = NULL;
        dpc->DpcData = NULL; /* no longer queued: it may be queued again from its routine */
        t->irql = DISPATCH_LEVEL;
        dpc->DeferredRoutine(dpc, dpc->DeferredContext, dpc->SystemArgument1, dpc->SystemArgument2);
        if (m->bugchecked)
            return;
        if (t->irql != DISPATCH_LEVEL) {
            ULONG_PTR addr;
            memcpy(&addr, &dpc->DeferredRoutine, sizeof(addr));
            pssim__bugcheck(m, 0xC8, ((ULONG_PTR)t->irql << 16) | (DISPATCH_LEVEL << 8) | 2, addr,
                            0, 0, "DPC routine %p returned at IRQL %u instead of DISPATCH_LEVEL.",
                            (void *)addr, (unsigned)t->irql);
            return;
        }
        t->irql = PASSIVE_LEVEL;
    }
}

BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || !Dpc || !Dpc->DeferredRoutine || m->bugchecked)
        return FALSE;
    if (Dpc->DpcData)
        return FALSE; /* already queued */
    KI_DISPATCHER *d = KiDispatcher(m);
    if (!d)
        return FALSE;
    if (!d->dpc_thread) {
        KeInitializeEvent(&d->dpc_ready, SynchronizationEvent, FALSE);
        if (!NT_SUCCESS(
                PspCreateSystemWorker(m, dpc_thread_body, m, HIGH_PRIORITY, &d->dpc_thread)))
            return FALSE;
    }
    Dpc->SystemArgument1 = SystemArgument1;
    Dpc->SystemArgument2 = SystemArgument2;
    Dpc->DpcData = Dpc; /* marks it queued */
    Dpc->DpcListEntry.Next = NULL;
    if (d->dpc_tail)
        d->dpc_tail->DpcListEntry.Next = &Dpc->DpcListEntry;
    else
        d->dpc_head = Dpc;
    d->dpc_tail = Dpc;
    d->dpc_ready.Header.SignalState = 1;
    KiWakeWaiters(m, &d->dpc_ready.Header, 0);
    KiYieldIfPreempted(m);
    return TRUE;
}

BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || !m->ke || !Dpc || !Dpc->DpcData)
        return FALSE;
    KI_DISPATCHER *d = m->ke;
    PKDPC prev = NULL;
    for (PKDPC q = d->dpc_head; q; prev = q, q = (PKDPC)q->DpcListEntry.Next) {
        if (q != Dpc)
            continue;
        if (prev)
            prev->DpcListEntry.Next = q->DpcListEntry.Next;
        else
            d->dpc_head = (PKDPC)q->DpcListEntry.Next;
        if (d->dpc_tail == q)
            d->dpc_tail = prev;
        Dpc->DpcData = NULL;
        return TRUE;
    }
    return FALSE;
}
