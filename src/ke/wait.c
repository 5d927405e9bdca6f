/* wait.c: waits on dispatcher objects (thread objects, events, mutexes, semaphores), delays,
 * their timers and wait blocks, and events (section 8).
 *
 * A waiting thread links one KWAIT_BLOCK per object into that object's wait list. When an
 * object is signaled, its waiters are examined first come first served: a WaitAny waiter is
 * satisfied by this object (STATUS_WAIT_0 + its index); a WaitAll waiter only when all of its
 * objects are signaled for it at once, and then consumes all of them. */
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "ke/ke.h"

static bool is_thread_object(pssim_machine *m, void *object)
{
    return ObpIsLiveObject(m, object) &&
           OBJECT_TO_OBJECT_HEADER(object)->type == &PspThreadObjectType;
}

const char *KiDescribeObject(pssim_machine *m, void *object)
{
    if (!object)
        return "a delay (KeDelayExecutionThread)";
    if (is_thread_object(m, object))
        return "thread object";
    switch (((DISPATCHER_HEADER *)object)->Type) {
    case EventNotificationObject:
        return "notification event";
    case EventSynchronizationObject:
        return "synchronization event";
    case MutantObject:
        return "mutex";
    case SemaphoreObject:
        return "semaphore";
    case TimerNotificationObject:
    case TimerSynchronizationObject:
        return "timer";
    default:
        return "object";
    }
}

static LIST_ENTRY *wait_list_of(pssim_machine *m, void *object)
{
    if (is_thread_object(m, object))
        return &((PETHREAD)object)->waiters;
    return &((DISPATCHER_HEADER *)object)->WaitListHead;
}

/* Whether `object` would satisfy a wait of thread t now (no state change). */
static bool is_signaled_for(pssim_machine *m, void *object, PETHREAD t)
{
    if (is_thread_object(m, object))
        return ((PETHREAD)object)->terminated;
    DISPATCHER_HEADER *h = object;
    if (h->Type == MutantObject)
        return h->SignalState > 0 || ((PRKMUTEX)object)->OwnerThread == t;
    return h->SignalState > 0;
}

/* Applies the side effect of a satisfied wait (SYNC-4 events, SYNC-6 mutex ownership and
 * recursion, SYNC-13 semaphores). */
static void consume(pssim_machine *m, void *object, PETHREAD t)
{
    if (is_thread_object(m, object))
        return;
    DISPATCHER_HEADER *h = object;
    if (h->Type == MutantObject) {
        PRKMUTEX mx = object;
        if (h->SignalState == 1) {
            mx->OwnerThread = t;
            t->mutexes_owned++;
            t->kernel_apc_disable++; /* an owner gets only special kernel APCs (SYNC-6) */
        }
        h->SignalState--;
    } else if (h->Type == EventSynchronizationObject || h->Type == TimerSynchronizationObject) {
        h->SignalState = 0;
    } else if (h->Type == SemaphoreObject) {
        h->SignalState--;
    }
}

static void arm_timer(pssim_machine *m, PETHREAD t, uint64_t due)
{
    KI_DISPATCHER *d = m->ke;
    t->wait_timer_armed = true;
    t->wait_due_ns = due;
    /* Earliest first; equal due times keep arrival order (determinism). */
    LIST_ENTRY *e = d->timers.Blink;
    while (e != &d->timers && CONTAINING_RECORD(e, struct _KTHREAD, timer_link)->wait_due_ns > due)
        e = e->Blink;
    LIST_ENTRY *next = e->Flink;
    t->timer_link.Flink = next;
    t->timer_link.Blink = e;
    e->Flink = &t->timer_link;
    next->Blink = &t->timer_link;
}

void KiCancelWait(pssim_machine *m, PETHREAD t)
{
    (void)m;
    for (ULONG i = 0; i < t->wait_count; i++)
        RemoveEntryList(&t->wait_blocks[i].WaitListEntry);
    t->wait_count = 0;
    if (t->wait_timer_armed) {
        RemoveEntryList(&t->timer_link);
        t->wait_timer_armed = false;
    }
    t->waiting = false;
}

/* Ends t's wait with `status`: off every wait list and the timer list, ready to run; a
 * satisfied wait boosts a variable-priority thread by the waker's increment, up to 15, and
 * never a real-time one (SCHED-4). */
static void end_wait(pssim_machine *m, PETHREAD t, NTSTATUS status, KPRIORITY increment)
{
    KiCancelWait(m, t);
    if (increment > 0 && t->base_priority < LOW_REALTIME_PRIORITY) {
        KPRIORITY boosted = t->base_priority + increment;
        if (boosted > 15)
            boosted = 15;
        if (boosted > t->priority)
            t->priority = boosted;
    }
    t->wait_status = status;
    PSSIM_TRACE_WAKE(m, t->processor, t->tid, status);
    if (t->context) /* the host, or a thread waiting under its identity, runs no body */
        KiReadyThread(m, t);
}

void KiAbortWait(pssim_machine *m, PETHREAD t, NTSTATUS status)
{
    end_wait(m, t, status, 0);
}

void KiExpireTimer(pssim_machine *m, PETHREAD t)
{
    /* A delay that ran out succeeded (SYNC-2); a wait that ran out timed out. */
    end_wait(m, t, t->wait_count == 0 ? STATUS_SUCCESS : STATUS_TIMEOUT, 0);
}

void KiYieldIfPreempted(pssim_machine *m)
{
    KI_DISPATCHER *d = m->ke;
    if (d && d->preempt_running && d->running_thread == m->current_thread) {
        d->preempt_running = false;
        KiSwitchToScheduler(m, KI_YIELD_PREEMPT);
    }
}

/* Tries to satisfy the whole wait of t now; returns the wait status, or STATUS_PENDING. */
static NTSTATUS try_complete(pssim_machine *m, PETHREAD t, ULONG count, void *const objects[],
                             WAIT_TYPE type)
{
    if (type == WaitAny) {
        for (ULONG i = 0; i < count; i++) {
            if (is_signaled_for(m, objects[i], t)) {
                consume(m, objects[i], t);
                return (NTSTATUS)(STATUS_WAIT_0 + i);
            }
        }
        return STATUS_PENDING;
    }
    for (ULONG i = 0; i < count; i++)
        if (!is_signaled_for(m, objects[i], t))
            return STATUS_PENDING;
    for (ULONG i = 0; i < count; i++)
        consume(m, objects[i], t);
    return STATUS_SUCCESS;
}

void KiWakeWaiters(pssim_machine *m, DISPATCHER_HEADER *h, KPRIORITY increment)
{
    LIST_ENTRY *list = wait_list_of(m, h);
    if (!list->Flink)
        return;
    LIST_ENTRY *e = list->Flink;
    while (e != list) {
        PKWAIT_BLOCK b = CONTAINING_RECORD(e, KWAIT_BLOCK, WaitListEntry);
        e = e->Flink;
        PETHREAD w = b->Thread;
        if (!is_signaled_for(m, h, w))
            break; /* nothing more for anyone behind this waiter */
        void *objects[MAXIMUM_WAIT_OBJECTS];
        for (ULONG i = 0; i < w->wait_count; i++)
            objects[i] = w->wait_blocks[i].Object;
        NTSTATUS st;
        if (b->WaitType == WaitAny) {
            consume(m, h, w);
            st = (NTSTATUS)(STATUS_WAIT_0 + b->WaitKey);
        } else {
            st = try_complete(m, w, w->wait_count, objects, WaitAll);
            if (st == STATUS_PENDING)
                continue; /* another of its objects is not signaled yet */
        }
        end_wait(m, w, st, increment);
        e = list->Flink; /* the list changed under us: start over from its head */
    }
}

void KiSignalThreadObject(pssim_machine *m, PETHREAD t)
{
    KiWakeWaiters(m, (DISPATCHER_HEADER *)t, 0);
}

/* What ends a wait before the thread blocks (SYNC-3): a pending alert or user APC, or a
 * pending termination that this wait lets through (the thread then exits here). */
static NTSTATUS end_before_blocking(pssim_machine *m, PETHREAD t, KPROCESSOR_MODE mode,
                                    bool alertable)
{
    t->wait_mode = (UCHAR)mode;
    t->wait_alertable = alertable;
    NTSTATUS st = KiCheckAlertability(t);
    NTSTATUS exit_status;
    if (st == STATUS_PENDING && t->context && KiWaitInterruptibleByTermination(t) &&
        KiTerminationPending(t, &exit_status) && m->ke && m->ke->running_thread == t)
        PspEndRunningThread(m, exit_status); /* does not return */
    t->wait_mode = KernelMode;
    t->wait_alertable = false;
    if (st == STATUS_USER_APC)
        KiDeliverUserApcs(t);
    return st;
}

/* Blocks t on `objects` until its wait ends; the wait status. */
static NTSTATUS block(pssim_machine *m, PETHREAD t, ULONG count, void *const objects[],
                      WAIT_TYPE type, PKWAIT_BLOCK blocks, bool has_timeout, uint64_t due_ns,
                      KWAIT_REASON reason, KPROCESSOR_MODE mode, bool alertable)
{
    KI_DISPATCHER *d = KiDispatcher(m);
    if (!d)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (blocks) {
        t->wait_blocks = blocks;
    } else if (count <= 1) {
        t->wait_blocks = &t->own_wait_block;
    } else {
        if (!KiThreadExtra(t))
            return STATUS_INSUFFICIENT_RESOURCES;
        t->wait_blocks = t->extra->wait_blocks;
    }
    t->wait_count = count;
    for (ULONG i = 0; i < count; i++) {
        PKWAIT_BLOCK b = &t->wait_blocks[i];
        memset(b, 0, sizeof(*b));
        b->Thread = t;
        b->Object = objects[i];
        b->WaitKey = (USHORT)i;
        b->WaitType = (UCHAR)type;
        InsertTailList(wait_list_of(m, objects[i]), &b->WaitListEntry);
    }
    t->waiting = true;
    if (t->relief) {
        /* Starvation relief is one quantum of running: a thread that waits gives it up. */
        t->relief = false;
        t->priority = t->base_priority;
    }
    t->wait_reason = (UCHAR)reason;
    t->wait_since_ns = m->now_ns;
    t->wait_status = STATUS_PENDING;
    if (has_timeout)
        arm_timer(m, t, due_ns);
    t->state = Waiting;
    t->wait_mode = (UCHAR)mode;
    t->wait_alertable = alertable;
    PSSIM_TRACE_WAIT(m, t->processor, t->tid, count ? objects[0] : NULL, has_timeout);
    if (d->running_thread && d->running_thread == t) {
        KiSwitchToScheduler(m, KI_YIELD_WAIT);
    } else {
        /* The host waits by running the machine until its wait ends. */
        NTSTATUS st = KiRunScheduler(m, 0, t);
        if (st != STATUS_SUCCESS && t->waiting) {
            /* Nothing can ever end this wait (or the machine stopped): give up the wait. */
            KiCancelWait(m, t);
            t->state = Running;
            t->wait_mode = KernelMode;
            t->wait_alertable = false;
            return st;
        }
    }
    t->state = Running;
    t->wait_mode = KernelMode;
    t->wait_alertable = false;
    if (t->wait_status == STATUS_USER_APC)
        KiDeliverUserApcs(t);
    return t->wait_status;
}

NTSTATUS KiWaitForObjects(pssim_machine *m, ULONG count, void *const objects[], WAIT_TYPE type,
                          PKWAIT_BLOCK blocks, bool has_timeout, uint64_t due_ns,
                          KWAIT_REASON reason)
{
    KiChargeKernelCalls(m); /* a wait is a scheduling point: pay for the calls before it */
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    PETHREAD t = m->current_thread;
    /* The mode and alertability of this wait, set by the Ke call; the library's own waits
     * are KernelMode and not alertable. */
    KPROCESSOR_MODE mode = (KPROCESSOR_MODE)t->wait_mode;
    bool alertable = t->wait_alertable;
    t->wait_mode = KernelMode;
    t->wait_alertable = false;
    for (;;) {
        NTSTATUS st = count ? try_complete(m, t, count, objects, type) : STATUS_PENDING;
        if (st != STATUS_PENDING)
            return st;
        if (KI_KERNEL_APCS_QUEUED(t)) {
            /* APC-5: kernel APCs the thread can run now run before it blocks (they may set
             * what it waits for); one it cannot run that would end the wait is GUIDE-8. */
            bool ran = KiDeliverKernelApcs(m);
            if (m->bugchecked)
                return PSSIM_STATUS_BUGCHECK;
            if (ran)
                continue; /* something ran: look at the objects again */
            KiCheckUndeliverableApcs(m, t, count, objects, has_timeout);
            if (m->bugchecked)
                return PSSIM_STATUS_BUGCHECK;
        }
        st = end_before_blocking(m, t, mode, alertable);
        if (st != STATUS_PENDING)
            return st;
        if (has_timeout && due_ns <= m->now_ns)
            return count ? STATUS_TIMEOUT : STATUS_SUCCESS;
        st =
            block(m, t, count, objects, type, blocks, has_timeout, due_ns, reason, mode, alertable);
        if (st != STATUS_KERNEL_APC)
            return st;
        /* A kernel APC interrupted the wait: it runs, and the thread waits again for what is
         * left of the timeout (the due time is absolute); the caller never sees it. */
        KiDeliverKernelApcs(m);
        if (m->bugchecked)
            return PSSIM_STATUS_BUGCHECK;
    }
}

NTSTATUS KiWaitForObject(pssim_machine *m, void *object, bool has_timeout, uint64_t due_ns,
                         KWAIT_REASON reason)
{
    void *objects[1] = {object};
    return KiWaitForObjects(m, object ? 1 : 0, objects, WaitAny, NULL, has_timeout, due_ns, reason);
}

void *KiFirstWaitObject(PETHREAD t)
{
    return t->wait_count ? t->wait_blocks[0].Object : NULL;
}

/* Converts a WDK timeout (SYNC-1: negative relative, positive absolute, 100 ns units) to an
 * absolute virtual due time. */
static uint64_t due_from_timeout(pssim_machine *m, LONGLONG timeout)
{
    if (timeout < 0)
        return KiRoundDueTime(m, m->now_ns + (uint64_t)(-timeout) * 100u);
    LONGLONG since_boot = timeout - m->cfg.boot_system_time;
    return since_boot <= 0 ? 0 : KiRoundDueTime(m, (uint64_t)since_boot * 100u);
}

/* The start of every Ke wait: the IRQL rules (IRQL-1, IRQL-3, BUGCHECK-2: 0xC4 / 0x120-0x122),
 * then the kernel calls made so far are paid for, so that a relative timeout counts from when
 * the wait really begins. False when the machine stopped. */
static bool begin_wait(pssim_machine *m, bool zero_timeout, bool null_timeout, const char *api,
                       void *const *objects, ULONG count)
{
    KIRQL irql = m->current_thread->irql;
    if (irql < DISPATCH_LEVEL || (irql == DISPATCH_LEVEL && zero_timeout)) {
        if (!zero_timeout)
            pssim__verifier_blocking_call(m, api, objects, count); /* inside a notify routine */
        KiChargeKernelCalls(m);
        return !m->bugchecked;
    }
    ULONG sub = irql > DISPATCH_LEVEL ? 0x120 : null_timeout ? 0x121 : 0x122;
    pssim__bugcheck(m, 0xC4, sub, irql, 0, 0,
                    "%s at IRQL %u with a %s timeout: waiting is only allowed below "
                    "DISPATCH_LEVEL (a zero timeout is allowed at DISPATCH_LEVEL; IRQL-1).",
                    api, (unsigned)irql, null_timeout ? "NULL (infinite)" : "non-zero");
    return false;
}

/* KMUTEXes are locks to the verifier (GUIDE-5): a wait that may block on one orders it after
 * the locks the thread holds. */
static bool mutex_acquiring(pssim_machine *m, void *object, bool zero_timeout, const char *api,
                            const void *site)
{
    if (zero_timeout || is_thread_object(m, object) ||
        ((DISPATCHER_HEADER *)object)->Type != MutantObject)
        return true;
    PRKMUTEX mx = object;
    return pssim__verifier_lock_acquiring(m, mx, PSSIM_LOCK_MUTEX,
                                          !is_signaled_for(m, mx, m->current_thread),
                                          mx->OwnerThread, api, site);
}

/* The wait ended with `status`: the mutexes it took are held now. */
static void mutexes_taken(pssim_machine *m, void *const objects[], ULONG count, WAIT_TYPE type,
                          NTSTATUS status, const char *api, const void *site)
{
    ULONG index = (ULONG)status & 0x3F;
    bool any = status >= STATUS_WAIT_0 && (ULONG)status < STATUS_WAIT_0 + 64;
    bool abandoned =
        (ULONG)status >= STATUS_ABANDONED_WAIT_0 && (ULONG)status < STATUS_ABANDONED_WAIT_0 + 64;
    if (!any && !abandoned)
        return;
    for (ULONG i = 0; i < count; i++) {
        if ((type == WaitAny && i != index) || is_thread_object(m, objects[i]) ||
            ((DISPATCHER_HEADER *)objects[i])->Type != MutantObject)
            continue;
        pssim__verifier_lock_acquired(m, objects[i], PSSIM_LOCK_MUTEX, false, api, site);
    }
}

/* Names the Ke call a wait of the current thread is in, for GUIDE-8's report (only threads that
 * have kernel APC state can need it). */
static void note_wait_api(pssim_machine *m, const char *api)
{
    if (m->current_thread->extra)
        m->current_thread->extra->wait_api = api;
}

/* The mode and alertability the next wait of the current thread uses (SYNC-3). */
static void set_wait_mode(pssim_machine *m, KPROCESSOR_MODE mode, BOOLEAN alertable)
{
    m->current_thread->wait_mode = (UCHAR)(mode == KernelMode ? KernelMode : UserMode);
    m->current_thread->wait_alertable = alertable != FALSE;
}

NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                               BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || !Object)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    static const char api[] = "KeWaitForSingleObject";
    const void *site = PSSIM_CALL_SITE();
    bool zero = Timeout && Timeout->QuadPart == 0;
    if (!begin_wait(m, zero, Timeout == NULL, api, &Object, 1) ||
        !mutex_acquiring(m, Object, zero, api, site))
        return PSSIM_STATUS_BUGCHECK;
    set_wait_mode(m, WaitMode, Alertable);
    note_wait_api(m, api);
    NTSTATUS st = KiWaitForObject(m, Object, Timeout != NULL,
                                  Timeout ? due_from_timeout(m, Timeout->QuadPart) : 0, WaitReason);
    note_wait_api(m, NULL);
    mutexes_taken(m, &Object, 1, WaitAny, st, api, site);
    return st;
}

NTSTATUS KeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
                                  KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                                  BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                  PKWAIT_BLOCK WaitBlockArray)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (Count == 0 || Count > MAXIMUM_WAIT_OBJECTS ||
        (Count > THREAD_WAIT_OBJECTS && !WaitBlockArray)) {
        /* SYNC-5: too many objects, or more than THREAD_WAIT_OBJECTS without an array. */
        pssim__bugcheck(m, 0xC, Count, 0, 0, 0,
                        "KeWaitForMultipleObjects with %lu objects%s (SYNC-5: at most %d, and "
                        "more than %d need a KWAIT_BLOCK array).",
                        (unsigned long)Count, WaitBlockArray ? "" : " and no wait block array",
                        MAXIMUM_WAIT_OBJECTS, THREAD_WAIT_OBJECTS);
        return PSSIM_STATUS_BUGCHECK;
    }
    if (!Object || (WaitType != WaitAll && WaitType != WaitAny))
        return STATUS_INVALID_PARAMETER;
    for (ULONG i = 0; i < Count; i++)
        if (!Object[i])
            return STATUS_INVALID_PARAMETER;
    bool zero = Timeout && Timeout->QuadPart == 0;
    if (!begin_wait(m, zero, Timeout == NULL, "KeWaitForMultipleObjects", Object, Count))
        return PSSIM_STATUS_BUGCHECK;
    set_wait_mode(m, WaitMode, Alertable);
    note_wait_api(m, "KeWaitForMultipleObjects");
    NTSTATUS st =
        KiWaitForObjects(m, Count, Object, WaitType, WaitBlockArray, Timeout != NULL,
                         Timeout ? due_from_timeout(m, Timeout->QuadPart) : 0, WaitReason);
    note_wait_api(m, NULL);
    mutexes_taken(m, Object, Count, WaitType, st, "KeWaitForMultipleObjects", PSSIM_CALL_SITE());
    return st;
}

NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                PLARGE_INTEGER Interval)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || !Interval)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!begin_wait(m, false, false, "KeDelayExecutionThread", NULL, 0))
        return PSSIM_STATUS_BUGCHECK;
    set_wait_mode(m, WaitMode, Alertable);
    return KiWaitForObject(m, NULL, true, due_from_timeout(m, Interval->QuadPart), DelayExecution);
}

VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    if (!Event)
        return;
    memset(Event, 0, sizeof(*Event));
    Event->Header.Type =
        Type == SynchronizationEvent ? EventSynchronizationObject : EventNotificationObject;
    Event->Header.Size = (UCHAR)(sizeof(KEVENT) / sizeof(LONG));
    Event->Header.SignalState = State ? 1 : 0;
    InitializeListHead(&Event->Header.WaitListHead);
}

LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    (void)Wait;
    pssim_machine *m = pssim__current_machine();
    if (!Event)
        return 0;
    LONG previous = Event->Header.SignalState;
    Event->Header.SignalState = 1;
    if (!m)
        return previous;
    /* SYNC-4: a notification event releases every waiter and stays signaled; a
     * synchronization event releases one waiter and is reset by that wait. */
    KiWakeWaiters(m, &Event->Header, Increment);
    KiYieldIfPreempted(m);
    return previous;
}

LONG KeResetEvent(PRKEVENT Event)
{
    if (!Event)
        return 0;
    LONG previous = Event->Header.SignalState;
    Event->Header.SignalState = 0;
    return previous;
}

VOID KeClearEvent(PRKEVENT Event)
{
    if (Event)
        Event->Header.SignalState = 0;
}

LONG KeReadStateEvent(PRKEVENT Event)
{
    return Event ? Event->Header.SignalState : 0;
}
