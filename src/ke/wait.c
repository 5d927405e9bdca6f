/* wait.c: events, waits on thread objects and events, delays, and their timers (section 8). */
#include <string.h>

#include "core/machine.h"
#include "ke/ke.h"

/* The object a delay "waits" on: none; this address only marks the wait as a delay. */
static char delay_marker;

static bool is_thread_object(pssim_machine *m, void *object)
{
    return ObpIsLiveObject(m, object) &&
           OBJECT_TO_OBJECT_HEADER(object)->type == &PspThreadObjectType;
}

const char *KiDescribeObject(pssim_machine *m, void *object)
{
    if (object == &delay_marker)
        return "a delay (KeDelayExecutionThread)";
    if (is_thread_object(m, object))
        return "thread object";
    if (object) {
        UCHAR type = ((DISPATCHER_HEADER *)object)->Type;
        if (type == EventNotificationObject)
            return "notification event";
        if (type == EventSynchronizationObject)
            return "synchronization event";
    }
    return "object";
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
    if (t->wait_object && t->wait_object != &delay_marker)
        RemoveEntryList(&t->wait_link);
    if (t->wait_timer_armed) {
        RemoveEntryList(&t->timer_link);
        t->wait_timer_armed = false;
    }
    t->wait_object = NULL;
}

/* Ends t's wait with `status`: out of the object's wait list, timer disarmed, ready to run. */
static void end_wait_boost(pssim_machine *m, PETHREAD t, NTSTATUS status, KPRIORITY increment)
{
    KiCancelWait(m, t);
    /* SCHED-4: a satisfied wait boosts a variable-priority thread by the waker's increment, up
     * to 15; real-time threads are never boosted. */
    if (increment > 0 && t->base_priority < LOW_REALTIME_PRIORITY) {
        KPRIORITY boosted = t->base_priority + increment;
        if (boosted > 15)
            boosted = 15;
        if (boosted > t->priority)
            t->priority = boosted;
    }
    t->wait_status = status;
    PSSIM_TRACE_WAKE(m, t->tid, status);
    if (t != m->host_thread)
        KiReadyThread(m, t);
}

static void end_wait(pssim_machine *m, PETHREAD t, NTSTATUS status)
{
    end_wait_boost(m, t, status, 0);
}

void KiExpireTimer(pssim_machine *m, PETHREAD t)
{
    /* A delay that ran out succeeded (SYNC-2); a wait that ran out timed out. */
    end_wait(m, t, t->wait_object == &delay_marker ? STATUS_SUCCESS : STATUS_TIMEOUT);
}

void KiYieldIfPreempted(pssim_machine *m)
{
    KI_DISPATCHER *d = m->ke;
    if (d && d->preempt_running && d->running_thread == m->current_thread) {
        d->preempt_running = false;
        KiSwitchToScheduler(m, KI_YIELD_PREEMPT);
    }
}

void KiSignalThreadObject(pssim_machine *m, PETHREAD t)
{
    while (!IsListEmpty(&t->waiters)) {
        PETHREAD w = CONTAINING_RECORD(t->waiters.Flink, struct _KTHREAD, wait_link);
        end_wait(m, w, STATUS_SUCCESS);
    }
}

/* True and consumed when the object is signaled for one more waiter (SYNC-4). */
/* True, and the object's state updated, when `object` satisfies one wait of thread t now
 * (SYNC-4 events, SYNC-6 mutexes: ownership and recursion, SYNC-13 semaphores). */
static bool try_satisfy(pssim_machine *m, void *object, PETHREAD t)
{
    if (is_thread_object(m, object))
        return ((PETHREAD)object)->terminated;
    DISPATCHER_HEADER *h = object;
    if (h->Type == MutantObject) {
        PRKMUTEX mx = object;
        if (h->SignalState <= 0 && mx->OwnerThread != t)
            return false;
        if (h->SignalState == 1) {
            mx->OwnerThread = t;
            t->mutexes_owned++;
            t->kernel_apc_disable++; /* an owner gets only special kernel APCs (SYNC-6) */
        }
        h->SignalState--;
        return true;
    }
    if (h->SignalState <= 0)
        return false;
    if (h->Type == EventSynchronizationObject)
        h->SignalState = 0;
    else if (h->Type == SemaphoreObject)
        h->SignalState--;
    return true;
}

void KiWakeWaiters(pssim_machine *m, DISPATCHER_HEADER *h, KPRIORITY increment)
{
    LIST_ENTRY *list = &h->WaitListHead;
    if (!list->Flink)
        return;
    /* First come, first served, as long as the object satisfies the next waiter. */
    while (!IsListEmpty(list)) {
        PETHREAD w = CONTAINING_RECORD(list->Flink, struct _KTHREAD, wait_link);
        if (!try_satisfy(m, h, w))
            break;
        end_wait_boost(m, w, STATUS_SUCCESS, increment);
    }
}

static LIST_ENTRY *wait_list_of(pssim_machine *m, void *object)
{
    if (is_thread_object(m, object))
        return &((PETHREAD)object)->waiters;
    return &((DISPATCHER_HEADER *)object)->WaitListHead;
}

NTSTATUS KiWaitForObject(pssim_machine *m, void *object, bool has_timeout, uint64_t due_ns,
                         KWAIT_REASON reason)
{
    PETHREAD t = m->current_thread;
    if (object != &delay_marker && try_satisfy(m, object, t))
        return STATUS_SUCCESS;
    if (has_timeout && due_ns <= m->now_ns)
        return object == &delay_marker ? STATUS_SUCCESS : STATUS_TIMEOUT;
    KI_DISPATCHER *d = KiDispatcher(m);
    if (!d)
        return STATUS_INSUFFICIENT_RESOURCES;
    t->wait_object = object;
    t->wait_reason = reason;
    t->wait_since_ns = m->now_ns;
    t->wait_status = STATUS_PENDING;
    if (object != &delay_marker)
        InsertTailList(wait_list_of(m, object), &t->wait_link);
    if (has_timeout)
        arm_timer(m, t, due_ns);
    t->state = Waiting;
    PSSIM_TRACE_WAIT(m, t->processor, t->tid, object == &delay_marker ? NULL : object, has_timeout);
    if (d->running_thread && d->running_thread == t) {
        KiSwitchToScheduler(m, KI_YIELD_WAIT);
    } else {
        /* The host waits by running the machine until its wait ends. */
        NTSTATUS st = KiRunScheduler(m, 0, true);
        if (st != STATUS_SUCCESS && t->wait_object) {
            /* Nothing can ever end this wait (or the machine stopped): give up the wait. */
            KiCancelWait(m, t);
            t->state = Running;
            return st;
        }
    }
    t->state = Running;
    return t->wait_status;
}

/* Converts a WDK timeout (SYNC-1: negative relative, positive absolute, 100 ns units) to an
 * absolute virtual due time. */
static uint64_t due_from_timeout(pssim_machine *m, LONGLONG timeout)
{
    if (timeout < 0)
        return m->now_ns + (uint64_t)(-timeout) * 100u;
    LONGLONG since_boot = timeout - m->cfg.boot_system_time;
    return since_boot <= 0 ? 0 : (uint64_t)since_boot * 100u;
}

/* IRQL rules of waits (IRQL-3, BUGCHECK-2: 0xC4/0x120-0x122). */
static bool check_wait_irql(pssim_machine *m, bool zero_timeout, bool null_timeout, const char *api)
{
    KIRQL irql = m->current_thread->irql;
    if (irql < DISPATCH_LEVEL || (irql == DISPATCH_LEVEL && zero_timeout))
        return true;
    ULONG sub = irql > DISPATCH_LEVEL ? 0x120 : null_timeout ? 0x121 : 0x122;
    pssim__bugcheck(m, 0xC4, sub, irql, 0, 0,
                    "%s at IRQL %u with a %s timeout: waiting is only allowed below "
                    "DISPATCH_LEVEL (a zero timeout is allowed at DISPATCH_LEVEL; IRQL-1).",
                    api, (unsigned)irql, null_timeout ? "NULL (infinite)" : "non-zero");
    return false;
}

NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                               BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    (void)WaitMode;
    (void)Alertable; /* alerts and APCs are not modelled yet (docs/known-differences.md) */
    pssim_machine *m = pssim__current_machine();
    if (!m || !Object)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    bool zero = Timeout && Timeout->QuadPart == 0;
    if (!check_wait_irql(m, zero, Timeout == NULL, "KeWaitForSingleObject"))
        return PSSIM_STATUS_BUGCHECK;
    return KiWaitForObject(m, Object, Timeout != NULL,
                           Timeout ? due_from_timeout(m, Timeout->QuadPart) : 0, WaitReason);
}

NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                PLARGE_INTEGER Interval)
{
    (void)WaitMode;
    (void)Alertable;
    pssim_machine *m = pssim__current_machine();
    if (!m || !Interval)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!check_wait_irql(m, false, false, "KeDelayExecutionThread"))
        return PSSIM_STATUS_BUGCHECK;
    return KiWaitForObject(m, &delay_marker, true, due_from_timeout(m, Interval->QuadPart),
                           DelayExecution);
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
