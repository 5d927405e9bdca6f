/* ke.h: the dispatcher: simulated processors, ready queues, virtual clocks, timers, waits. */
#ifndef PSSIM_KE_KE_H
#define PSSIM_KE_KE_H

#include <stdbool.h>
#include <stdint.h>

#include <pssim/pssim.h>

struct pssim_machine;
struct pssim_driver;
struct pssim_exec;

/* Thread states (ps-semantics 7.2). */
typedef enum KTHREAD_STATE {
    Initialized = 0,
    Ready = 1,
    Running = 2,
    Standby = 3,
    Terminated = 4,
    Waiting = 5,
    Transition = 6,
    DeferredReady = 7
} KTHREAD_STATE;

#define KI_PRIORITIES 32
#define KI_DEFAULT_STACK_SIZE (64 * 1024) /* see docs/execution.md */

/* One simulated processor. */
typedef struct KI_PROCESSOR {
    uint32_t number;
    uint64_t clock_ns;               /* virtual time this processor has reached */
    PETHREAD current;                /* the thread it runs, NULL when idle */
    LIST_ENTRY ready[KI_PRIORITIES]; /* one list per priority (SCHED-2) */
    uint32_t ready_summary;          /* bit p set when ready[p] is not empty */
    HANDLE last_tid;                 /* the thread it ran last (the trace's "switch from") */
} KI_PROCESSOR;

/* Why a thread handed control back to the scheduler. */
typedef enum KI_YIELD {
    KI_YIELD_WORK,    /* pssim_cpu_work: occupy the processor for work_left_ns */
    KI_YIELD_WAIT,    /* waiting: off the processor until woken */
    KI_YIELD_PREEMPT, /* a higher-priority thread it readied takes its processor */
    KI_YIELD_EXIT     /* its body ended */
} KI_YIELD;

typedef struct KI_DISPATCHER {
    struct pssim_exec *exec;
    uint32_t cpu_count;
    KI_PROCESSOR cpus[64];
    LIST_ENTRY timers;           /* waiting threads with a due time, earliest first */
    uint32_t body_threads_alive; /* threads with bodies not yet terminated */
    bool running;                /* inside pssim_machine_run (the scheduler loop) */
    KI_YIELD last_yield;
    LIST_ENTRY ktimers;       /* set KTIMERs, earliest first */
    PKDPC dpc_head, dpc_tail; /* queued DPCs, first in first out */
    KEVENT dpc_ready;
    PETHREAD dpc_thread; /* runs DPCs at DISPATCH_LEVEL */
    uint32_t next_ideal;
    uint64_t next_balance_ns;
    /* the balance-set manager's next pass */ /* ideal processors are handed out round robin */
    bool preempt_running;    /* the running thread lost its processor to a thread it readied */
    PETHREAD running_thread; /* the thread whose context runs now, NULL on the scheduler */
    char report[2048];       /* last deadlock report */
} KI_DISPATCHER;

/* Creates the dispatcher state of a machine on first use; NULL when out of memory. */
KI_DISPATCHER *KiDispatcher(struct pssim_machine *m);
void KiDestroyDispatcher(struct pssim_machine *m);

/* Makes a thread with a body ready at the machine's current time (SCHED-2 placement). */
void KiReadyThread(struct pssim_machine *m, PETHREAD t);
/* Called when the running thread's IRQL dropped below DISPATCH_LEVEL: a preemption that was
 * held off happens now. */
void KiIrqlLowered(struct pssim_machine *m);
/* ---- what few threads need, kept beside the thread object (its size is budgeted) ---- */

typedef struct KI_USER_APC {
    pssim_user_apc_fn fn;
    void *context;
} KI_USER_APC;

/* Alerts, user APCs and a pending termination (alert.c, SYNC-3). */
typedef struct KI_APC_STATE {
    bool alerted[2]; /* [KernelMode], [UserMode]: an alert waiting for an alertable wait */
    bool terminate_pending;
    NTSTATUS terminate_status;
    KI_USER_APC *user_apcs; /* queued, in order */
    uint32_t user_apc_count, user_apc_capacity;
} KI_APC_STATE;

/* A kernel APC (apc.c, docs/apc.md). Its owner allocates it; `routine` runs it on the target
 * thread (KI_APC_RUN), or the thread ended with it queued (KI_APC_RUNDOWN: undo without running
 * on the thread), or the machine is going away (KI_APC_FREE, m NULL: free host memory only).
 * After any of them the queue does not touch the record again. */
typedef enum KI_APC_CALL { KI_APC_RUN, KI_APC_RUNDOWN, KI_APC_FREE } KI_APC_CALL;
typedef struct KI_KERNEL_APC KI_KERNEL_APC;
struct KI_KERNEL_APC {
    KI_KERNEL_APC *next;
    void (*routine)(struct pssim_machine *m, KI_KERNEL_APC *apc, KI_APC_CALL call);
    PETHREAD thread;  /* the target (referenced while queued) */
    PIRP irp;         /* the IRP it completes, for reports */
    PKEVENT event;    /* the event it sets when it runs, if known (GUIDE-8) */
    const char *what; /* "the completion of a threaded IRP", for reports */
    bool special;     /* special kernel APC; else normal */
    bool reported;    /* GUIDE-8 reported for it */
};

typedef struct KI_THREAD_EXTRA {
    KWAIT_BLOCK wait_blocks[THREAD_WAIT_OBJECTS]; /* a wait on 2..THREAD_WAIT_OBJECTS objects */
    KI_APC_STATE apc;
    KI_KERNEL_APC *kapc_head, *kapc_tail; /* queued kernel APCs, special ones first */
    LIST_ENTRY irps;                      /* its threaded IRPs (Irp->ThreadListEntry) */
    const char *wait_api;                 /* the Ke call of the wait in progress (reports) */
    bool in_normal_apc;                   /* a normal kernel APC runs (no other may start) */
    bool running_down;                    /* the thread is ending: APCs are run down */
    bool hard_errors_disabled;            /* IoSetThreadHardErrorMode(FALSE) */
    struct pssim_thread_locks *locks;     /* the locks it holds, as the verifier tracks them */
} KI_THREAD_EXTRA;

/* t's extra state, allocated zeroed on first use; NULL when out of memory. */
KI_THREAD_EXTRA *KiThreadExtra(PETHREAD t);
/* Frees it (thread deletion, machine destroy). */
void KiFreeThreadExtra(PETHREAD t);

/* ---- alerts, user APCs, termination of waiting threads (alert.c, SYNC-3) ---- */
/* STATUS_ALERTED or STATUS_USER_APC when t's alertable wait (t->wait_mode, t->wait_alertable)
 * must end before it blocks, consuming the alert; STATUS_PENDING otherwise. */
NTSTATUS KiCheckAlertability(PETHREAD t);
/* Runs t's queued user APCs on t (the wait returned STATUS_USER_APC). */
void KiDeliverUserApcs(PETHREAD t);
bool KiWaitInterruptibleByTermination(PETHREAD t);
/* Keeps a termination pending when t waits where termination cannot reach it; false when
 * the termination may take effect at once. */
bool KiDeferTermination(PETHREAD t, NTSTATUS status);
bool KiTerminationPending(PETHREAD t, NTSTATUS *status);
/* Ends t's wait now with `status` (an alert, a user APC). */
void KiAbortWait(struct pssim_machine *m, PETHREAD t, NTSTATUS status);

/* ---- kernel APCs (apc.c, docs/apc.md: APC-1..6, GUIDE-8) ---- */
/* Queues `apc` to apc->thread (special ones after the special ones queued, before normal ones).
 * It runs at once when the thread is the current one and can take it, or interrupts the
 * thread's wait (STATUS_KERNEL_APC, rewaited), or waits for the thread to become able to run
 * it; on a thread that has ended it is run down at once. */
void KiQueueKernelApc(struct pssim_machine *m, KI_KERNEL_APC *apc);
/* Runs the current thread's queued kernel APCs that its state lets run now; whether any ran. */
bool KiDeliverKernelApcs(struct pssim_machine *m);
#define KI_KERNEL_APCS_QUEUED(t) ((t)->extra && (t)->extra->kapc_head)
/* The delivery points (IRQL lowered, a region left, a thread resumed) call this. */
#define KI_CHECK_KERNEL_APCS(m)                                                                    \
    do {                                                                                           \
        if ((m)->current_thread && KI_KERNEL_APCS_QUEUED((m)->current_thread))                     \
            KiDeliverKernelApcs(m);                                                                \
    } while (0)
/* Whether t in its present state (IRQL, regions) may run `apc`. */
bool KiKernelApcDeliverable(PETHREAD t, const KI_KERNEL_APC *apc);
/* GUIDE-8: the current thread is about to block on `objects`; reports a queued APC it cannot
 * run that would end the wait. */
void KiCheckUndeliverableApcs(struct pssim_machine *m, PETHREAD t, ULONG count,
                              void *const objects[], bool has_timeout);
/* t is ending (PspExitThread, after its exit notifications): runs the kernel APCs its state
 * lets run, on it, and runs the rest down (APC-6). */
void KiRundownKernelApcs(struct pssim_machine *m, PETHREAD t);

/* A due time rounded up to the machine's timer resolution (cfg.timer_resolution_ns; 0 = exact),
 * as Windows expires timers and timeouts only on a clock interrupt. */
uint64_t KiRoundDueTime(const struct pssim_machine *m, uint64_t due_ns);

/* The current thread when it is a thread running its body under the dispatcher; NULL on the host
 * thread (or under its identity in a control call) and between runs. */
#define KI_RUNNING_BODY(m)                                                                         \
    ((m)->ke && (m)->ke->running_thread == (m)->current_thread ? (m)->current_thread : NULL)

/* Charges the running thread's owed kernel-call cost as computation (a scheduling point);
 * nothing when it owes none or when the caller is not a running body. */
void KiChargeKernelCalls(struct pssim_machine *m);
/* Moves the running thread off a processor its affinity no longer allows. */
void KiMigrateIfNeeded(struct pssim_machine *m, PETHREAD t);
/* Hands control from the running thread's context back to the scheduler. */
void KiSwitchToScheduler(struct pssim_machine *m, KI_YIELD why);
/* Time as the running code sees it. */
uint64_t KiNow(struct pssim_machine *m);

/* The scheduler loop: pssim_machine_run (waiter NULL), or a wait made outside the dispatcher by
 * a thread without a body of its own (the host, or a thread whose identity the host is using,
 * e.g. a requestor in a dispatch routine): it returns once waiter's wait has ended. */
NTSTATUS KiRunScheduler(struct pssim_machine *m, uint64_t until_ns, PETHREAD waiter);
/* Ends the wait of the thread whose timer is due (timeout or end of a delay). */
void KiExpireTimer(struct pssim_machine *m, PETHREAD t);
/* The earliest set KTIMER, or NULL; expiring one signals it, re-arms a periodic one and queues
 * its DPC. */
PKTIMER KiFirstTimer(struct pssim_machine *m);
void KiExpireKTimer(struct pssim_machine *m, PKTIMER t);
/* The set KTIMERs whose last setter was drv's code, described into buf ("0x... (DPC name, every
 * 10 ms)", comma-separated, truncated to size); returns how many (the unload check). */
uint32_t KiDescribeTimersOf(struct pssim_machine *m, const struct pssim_driver *drv, char *buf,
                            size_t size);
/* Ends a wait without waking the thread (it is being killed). */
void KiCancelWait(struct pssim_machine *m, PETHREAD t);
/* "event", "thread", "delay" ... for reports. */
const char *KiDescribeObject(struct pssim_machine *m, void *object);
/* The running thread gave its processor away (it readied a higher-priority thread): yield now. */
void KiYieldIfPreempted(struct pssim_machine *m);

/* Takes a thread with a body off its processor, queue, wait and timer, and destroys its
 * context without running it again (termination from outside, at its scheduling point). */
void KiKillThread(struct pssim_machine *m, PETHREAD t);

/* Satisfies waiters of a newly signaled dispatcher object, first come first served. */
void KiWakeWaiters(struct pssim_machine *m, DISPATCHER_HEADER *h, KPRIORITY increment);

/* The first object a waiting thread waits on (NULL for a delay), for reports. */
void *KiFirstWaitObject(PETHREAD t);
/* A thread (body or host) waits for `count` dispatcher objects (WaitAny / WaitAll); count 0 is
 * a delay that only the timer ends. */
NTSTATUS KiWaitForObjects(struct pssim_machine *m, ULONG count, void *const objects[],
                          WAIT_TYPE type, PKWAIT_BLOCK blocks, bool has_timeout, uint64_t due_ns,
                          KWAIT_REASON reason);
/* Waits: a thread (body or host) waits for a dispatcher object (a thread or a KEVENT). */
NTSTATUS KiWaitForObject(struct pssim_machine *m, void *object, bool has_timeout, uint64_t due_ns,
                         KWAIT_REASON reason);
/* Wakes the waiters a newly signaled thread object satisfies (it has terminated). */
void KiSignalThreadObject(struct pssim_machine *m, PETHREAD t);

#endif
