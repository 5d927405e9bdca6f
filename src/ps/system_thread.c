/* system_thread.c: threads with bodies: pssim_thread_start, PsCreateSystemThread and
 * PsTerminateSystemThread (section 5.4, api-contract "Execution"). */
#include <string.h>

#include "core/machine.h"
#include "ke/ke.h"
#include "platform/context.h"

/* Ends the running thread with a body: its exit path (notifications on itself), then its
 * context switches away for the last time. Never returns. */
static void end_body_thread(pssim_machine *m, PETHREAD t, NTSTATUS status)
{
    if (t->mutexes_owned) {
        /* SYNC-6: a thread may not exit owning a kernel mutex. */
        pssim__bugcheck(m, 0x4000008A, (ULONG_PTR)t, t->mutexes_owned, 0, 0,
                        "thread TID %lu exits while owning %u kernel mutex(es) (SYNC-6). Fix: "
                        "release every KeWaitForMutexObject with KeReleaseMutex before the "
                        "thread ends.",
                        (unsigned long)(uintptr_t)t->tid, (unsigned)t->mutexes_owned);
    }
    KiChargeKernelCalls(m);
    if (m->bugchecked)
        for (;;)
            KiSwitchToScheduler(m, KI_YIELD_EXIT);
    /* A termination kept pending while the thread waited where it could not be reached takes
     * effect now, on the way back to user mode, with its status (SYNC-3). */
    KiTerminationPending(t, &status);
    PspExitThread(m, t, status);
    t->exited_body = true;
    KiSwitchToScheduler(m, KI_YIELD_EXIT);
    /* The scheduler never resumes an exited context. */
    for (;;)
        KiSwitchToScheduler(m, KI_YIELD_EXIT);
}

void PspEndRunningThread(pssim_machine *m, NTSTATUS status)
{
    end_body_thread(m, m->current_thread, status);
}

/* First code on a new thread's own stack. */
static void thread_entry(void *arg)
{
    PETHREAD t = arg;
    pssim_machine *m = t->machine;
    pssim_kstack kstack; /* its simulated kernel stack, for as long as the body runs (STACK-4) */
    if (m->cfg.backend == PSSIM_BACKEND_THREADS)
        pssim__bind_os_thread(m); /* this OS thread only ever runs t */
    pssim__kstack_thread_start(m, t, &kstack);
    PspThreadStartup(t); /* Appendix A step 5, on the new thread itself */
    if (!m->bugchecked)
        t->start_routine(t->start_context); /* SYSTHREAD-5: returning ends the thread */
    end_body_thread(m, t, STATUS_SUCCESS);
}

/* Creates a thread with a body in `process`, delivers its creation notifications on the
 * calling thread, and makes it ready. */
static NTSTATUS create_body_thread(pssim_machine *m, PEPROCESS process, PKSTART_ROUTINE start,
                                   PVOID context, KPRIORITY priority, KAFFINITY affinity,
                                   size_t stack_size, bool worker, PETHREAD *out)
{
    KI_DISPATCHER *d = KiDispatcher(m);
    if (!d)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (process->exiting || process->exited)
        return STATUS_PROCESS_IS_TERMINATING;
    PETHREAD t;
    NTSTATUS st = PspCreateThreadObject(m, process, process->is_system, &t);
    if (!NT_SUCCESS(st))
        return st;
    t->puppet = false;
    t->start_routine = start;
    t->start_context = context;
    memcpy(&t->start_address, &start, sizeof(t->start_address));
    if (priority) {
        t->base_priority = priority;
        t->priority = priority;
    }
    KAFFINITY all = d->cpu_count >= 64 ? ~(KAFFINITY)0 : (((KAFFINITY)1 << d->cpu_count) - 1);
    t->affinity = affinity ? (affinity & all) : all;
    /* Ideal processors are handed out round robin, as Windows spreads a process's threads. */
    t->ideal_processor = d->next_ideal++ % d->cpu_count;
    t->stack_size = stack_size ? stack_size : KI_DEFAULT_STACK_SIZE;
    if (t->system)
        t->kernel_apc_disable = 1; /* SYSTHREAD-4: starts inside a critical region */
    if (pssim__context_create(d->exec, t->stack_size, thread_entry, t, &t->context) != 0) {
        t->context = NULL;
        PspExitThread(m, t, STATUS_INSUFFICIENT_RESOURCES);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    ObpReference(t); /* the dispatcher's, while the context lives */
    t->worker = worker;
    if (!worker) /* the machine's own worker threads never keep a run going */
        d->body_threads_alive++;
    st = PspInsertThreadAndNotify(m, t);
    if (!NT_SUCCESS(st)) {
        /* Denied first thread: it ended without running (Appendix A, denied create). */
        pssim__context_destroy(d->exec, t->context);
        t->context = NULL;
        ObpDereference(m, t);
        return st;
    }
    KiReadyThread(m, t);
    *out = t;
    return STATUS_SUCCESS;
}

typedef struct start_args {
    HANDLE pid;
    const pssim_thread_params *p;
    HANDLE *tid;
} start_args;

static NTSTATUS thread_start_body(pssim_machine *m, void *arg)
{
    start_args *a = arg;
    PEPROCESS p = PspCidLookup(&m->cid, (uintptr_t)a->pid, PSSIM_OBJECT_PROCESS);
    if (!p)
        return STATUS_INVALID_CID;
    PETHREAD t;
    KPRIORITY prio = a->p->priority;
    if (!prio && a->p->relative_priority)
        prio = PspRelativePriority(p->base_priority, a->p->relative_priority); /* SCHED-3 */
    NTSTATUS st = create_body_thread(m, p, a->p->start, a->p->context, prio, a->p->affinity,
                                     a->p->stack_size, false, &t);
    if (NT_SUCCESS(st) && a->tid)
        *a->tid = t->tid;
    return st;
}

NTSTATUS pssim_thread_start(pssim_machine *m, HANDLE pid, const pssim_thread_params *p, HANDLE *tid)
{
    if (tid)
        *tid = NULL;
    if (!m || !p || !p->start || p->priority < 0 || p->priority > HIGH_PRIORITY)
        return STATUS_INVALID_PARAMETER;
    KAFFINITY all =
        m->cfg.cpu_count >= 64 ? ~(KAFFINITY)0 : (((KAFFINITY)1 << m->cfg.cpu_count) - 1);
    if (p->affinity && !(p->affinity & all))
        return STATUS_INVALID_PARAMETER; /* no processor it could ever run on */
    start_args a = {pid, p, tid};
    NTSTATUS st = pssim__control_call(m, thread_start_body, &a);
    /* From a thread's body: a new thread it outranks takes its processor now (SCHED-2). */
    if (NT_SUCCESS(st) && KI_RUNNING_BODY(m))
        KiYieldIfPreempted(m);
    return st;
}

NTSTATUS PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess,
                              POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                              PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    pssim_machine *m = pssim__current_machine();
    if (!ThreadHandle || !StartRoutine)
        return STATUS_INVALID_PARAMETER;
    *ThreadHandle = NULL;
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    PETHREAD cur = m->current_thread;
    if (cur->irql != PASSIVE_LEVEL) {
        /* SYSTHREAD-1: a PASSIVE_LEVEL call (Verifier 0xC4 / 0xE5: kernel API at wrong IRQL). */
        pssim__bugcheck(m, 0xC4, 0xE5, cur->irql, 0, 0,
                        "PsCreateSystemThread called at IRQL %u; it must be called at "
                        "PASSIVE_LEVEL (SYSTHREAD-1).",
                        (unsigned)cur->irql);
        return PSSIM_STATUS_BUGCHECK;
    }
    ULONG attributes = ObjectAttributes ? ObjectAttributes->Attributes : 0;
    if (attributes & (OBJ_PERMANENT | OBJ_EXCLUSIVE | OBJ_OPENIF))
        return STATUS_INVALID_PARAMETER;   /* SYSTHREAD-3 */
    PEPROCESS process = m->system_process; /* SYSTHREAD-2: NULL = the System process */
    if (ProcessHandle) {
        PVOID obj;
        NTSTATUS st = ObpReferenceObjectByHandle(ProcessHandle, PROCESS_CREATE_THREAD,
                                                 *PsProcessType, KernelMode, &obj, NULL);
        if (!NT_SUCCESS(st))
            return st;
        process = obj;
        ObpDereference(m, obj); /* the process is kept alive by the handle */
    }
    PETHREAD t;
    NTSTATUS st = create_body_thread(m, process, StartRoutine, StartContext, 0, 0, 0, false, &t);
    if (!NT_SUCCESS(st))
        return st;
    pssim_driver *drv = pssim__current_driver(m);
    if (drv != &m->host_image)
        t->current_driver = drv; /* its body is the driver's code (pssim__current_driver) */
    /* SYSTHREAD-3: a kernel handle when asked, or when the caller is in the System process. */
    bool kernel = (attributes & OBJ_KERNEL_HANDLE) || cur->process->is_system;
    st = ObpInsertHandle(
        m, cur->process, kernel, t,
        ObpMapAccess(&PspThreadObjectType, DesiredAccess ? DesiredAccess : THREAD_ALL_ACCESS),
        attributes, ThreadHandle);
    if (ClientId) {
        ClientId->UniqueProcess = process->pid;
        ClientId->UniqueThread = t->tid;
    }
    KiYieldIfPreempted(m);
    return st;
}

NTSTATUS PsTerminateSystemThread(NTSTATUS ExitStatus)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    PETHREAD t = m->current_thread;
    /* SYSTHREAD-6: only a system thread may end itself this way; others get an error. */
    if (!m->ke || m->ke->running_thread != t || !t->system)
        return STATUS_INVALID_PARAMETER;
    end_body_thread(m, t, ExitStatus);
    return STATUS_SUCCESS; /* not reached */
}

NTSTATUS PspCreateSystemWorker(pssim_machine *m, PKSTART_ROUTINE start, PVOID context,
                               KPRIORITY priority, PETHREAD *out)
{
    return create_body_thread(m, m->system_process, start, context, priority, 0, 0, true, out);
}
