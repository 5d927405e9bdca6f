/* alert.c: alerts, user APCs and termination as they reach a waiting thread (SYNC-2, SYNC-3).
 *
 * Which waits can be interrupted (SYNC-3): an alertable UserMode wait by user APCs, alerts and
 * termination; an alertable KernelMode wait by alerts and termination; a non-alertable UserMode
 * wait only by termination; a non-alertable KernelMode wait by nothing. With kernel APCs
 * disabled neither user APCs nor termination get through. A termination that cannot get
 * through is kept pending: it takes effect at the thread's next interruptible wait, or when its
 * body ends (the return to user mode), so the driver code after the wait still runs, as on
 * Windows. The per-thread state lives beside the thread object, allocated on first use. */
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "ke/ke.h"

KI_THREAD_EXTRA *KiThreadExtra(PETHREAD t)
{
    if (!t->extra)
        t->extra = pssim__alloc(sizeof(*t->extra));
    return t->extra;
}

void KiFreeThreadExtra(PETHREAD t)
{
    if (t->extra) {
        /* Kernel APCs still queued belong to a machine going away: only host memory goes. Its
         * threaded IRPs (pool, freed after the objects) leave its list. */
        for (KI_KERNEL_APC *apc = t->extra->kapc_head, *next; apc; apc = next) {
            next = apc->next;
            apc->routine(NULL, apc, KI_APC_FREE);
        }
        while (t->extra->irps.Flink && !IsListEmpty(&t->extra->irps))
            InitializeListHead(RemoveHeadList(&t->extra->irps));
        pssim__verifier_thread_locks_free(t);
        pssim__free(t->extra->apc.user_apcs);
        pssim__free(t->extra);
        t->extra = NULL;
    }
}

/* t's APC state, allocated on first use (NULL when out of memory). */
static KI_APC_STATE *apc_state(PETHREAD t)
{
    KI_THREAD_EXTRA *x = KiThreadExtra(t);
    return x ? &x->apc : NULL;
}

/* t's APC state if it has one (never allocates). */
static KI_APC_STATE *apc_if_any(PETHREAD t)
{
    return t->extra ? &t->extra->apc : NULL;
}

bool KiTerminationPending(PETHREAD t, NTSTATUS *status)
{
    KI_APC_STATE *a = apc_if_any(t);
    if (!a || !a->terminate_pending)
        return false;
    if (status)
        *status = a->terminate_status;
    return true;
}

bool KiWaitInterruptibleByTermination(PETHREAD t)
{
    return (t->wait_alertable || t->wait_mode == UserMode) && t->kernel_apc_disable == 0;
}

NTSTATUS KiCheckAlertability(PETHREAD t)
{
    KI_APC_STATE *a = apc_if_any(t);
    if (!a)
        return STATUS_PENDING;
    bool user_apc = t->wait_mode == UserMode && a->user_apc_count > 0 && t->kernel_apc_disable == 0;
    if (t->wait_alertable) {
        if (a->alerted[t->wait_mode]) {
            a->alerted[t->wait_mode] = false;
            return STATUS_ALERTED;
        }
        if (user_apc)
            return STATUS_USER_APC;
        if (a->alerted[KernelMode]) { /* a kernel-mode alert also ends a user-mode wait */
            a->alerted[KernelMode] = false;
            return STATUS_ALERTED;
        }
    }
    return STATUS_PENDING;
}

void KiDeliverUserApcs(PETHREAD t)
{
    KI_APC_STATE *a = apc_if_any(t);
    /* Each routine may queue more; they run too, in order. */
    for (uint32_t i = 0; a && i < a->user_apc_count; i++)
        a->user_apcs[i].fn(a->user_apcs[i].context);
    if (a)
        a->user_apc_count = 0;
}

/* The target of an alert or APC: a thread with a body of machine m. */
static PETHREAD body_thread(pssim_machine *m, HANDLE tid, NTSTATUS *st)
{
    PETHREAD t = NULL;
    *st = PsLookupThreadByThreadId(tid, &t);
    if (!NT_SUCCESS(*st))
        return NULL;
    ObpDereference(m, t); /* the thread stays alive while the machine runs nothing */
    if (!t->context || t->terminated) {
        *st = STATUS_THREAD_IS_TERMINATING;
        return NULL;
    }
    return t;
}

typedef struct alert_args {
    HANDLE tid;
    KPROCESSOR_MODE mode;
    pssim_user_apc_fn fn;
    void *context;
} alert_args;

static NTSTATUS alert_body(pssim_machine *m, void *arg)
{
    alert_args *a = arg;
    NTSTATUS st;
    PETHREAD t = body_thread(m, a->tid, &st);
    if (!t)
        return st;
    KI_APC_STATE *s = apc_state(t);
    if (!s)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (s->alerted[(int)a->mode])
        return STATUS_SUCCESS; /* already alerted: nothing more happens */
    /* A kernel-mode alert ends any alertable wait, a user-mode one only a user-mode wait. */
    if (t->waiting && t->wait_alertable && a->mode <= t->wait_mode)
        KiAbortWait(m, t, STATUS_ALERTED);
    else
        s->alerted[(int)a->mode] = true;
    return STATUS_SUCCESS;
}

NTSTATUS pssim_thread_alert(pssim_machine *m, HANDLE tid, KPROCESSOR_MODE mode)
{
    if (!m || (mode != KernelMode && mode != UserMode))
        return STATUS_INVALID_PARAMETER;
    alert_args a = {tid, mode, NULL, NULL};
    return pssim__control_call(m, alert_body, &a);
}

static NTSTATUS user_apc_body(pssim_machine *m, void *arg)
{
    alert_args *a = arg;
    NTSTATUS st;
    PETHREAD t = body_thread(m, a->tid, &st);
    if (!t)
        return st;
    if (t->system)
        return STATUS_ACCESS_DENIED; /* system threads never return to user mode */
    KI_APC_STATE *s = apc_state(t);
    if (!s)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (s->user_apc_count == s->user_apc_capacity) {
        uint32_t cap = s->user_apc_capacity ? s->user_apc_capacity * 2 : 4;
        KI_USER_APC *grown = pssim__alloc(cap * sizeof(*grown));
        if (!grown)
            return STATUS_INSUFFICIENT_RESOURCES;
        if (s->user_apc_count)
            memcpy(grown, s->user_apcs, s->user_apc_count * sizeof(*grown));
        pssim__free(s->user_apcs);
        s->user_apcs = grown;
        s->user_apc_capacity = cap;
    }
    s->user_apcs[s->user_apc_count].fn = a->fn;
    s->user_apcs[s->user_apc_count].context = a->context;
    s->user_apc_count++;
    if (t->waiting && t->wait_alertable && t->wait_mode == UserMode && t->kernel_apc_disable == 0)
        KiAbortWait(m, t, STATUS_USER_APC);
    return STATUS_SUCCESS;
}

NTSTATUS pssim_thread_queue_user_apc(pssim_machine *m, HANDLE tid, pssim_user_apc_fn fn,
                                     void *context)
{
    if (!m || !fn)
        return STATUS_INVALID_PARAMETER;
    alert_args a = {tid, UserMode, fn, context};
    return pssim__control_call(m, user_apc_body, &a);
}

bool KiDeferTermination(PETHREAD t, NTSTATUS status)
{
    if (!t->context || !t->waiting || KiWaitInterruptibleByTermination(t))
        return false;
    KI_APC_STATE *s = apc_state(t);
    if (!s)
        return false; /* out of memory: terminate at once rather than lose the request */
    s->terminate_pending = true;
    s->terminate_status = status;
    return true;
}
