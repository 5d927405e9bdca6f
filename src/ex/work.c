/* work.c: system worker threads and ExQueueWorkItem (section 6).
 *
 * Each queue type has one worker thread in the System process at the queue's priority (WORK-1
 * table in ps-semantics 6.1), created the first time an item is queued to it. One worker per
 * queue keeps runs easy to read; it also means that an item that blocks holds up the items
 * queued behind it, which is exactly the hazard WORK-3 warns about. */
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "ke/ke.h"

#define EXP_QUEUES 40 /* the seven fixed types, and CustomPriorityWorkQueue + 1..31 */

typedef struct EX_WORK_QUEUE {
    LIST_ENTRY items;
    KEVENT wake;
    PETHREAD worker;
    KPRIORITY priority;
    struct pssim_machine *machine;
} EX_WORK_QUEUE;

typedef struct EX_WORK_QUEUES {
    EX_WORK_QUEUE queues[EXP_QUEUES];
} EX_WORK_QUEUES;

/* The priority of a queue type, or -1 for an invalid type. */
static KPRIORITY queue_priority(WORK_QUEUE_TYPE type)
{
    switch ((int)type) {
    case CriticalWorkQueue:
        return 13;
    case DelayedWorkQueue:
        return 12;
    case HyperCriticalWorkQueue:
        return 15;
    case NormalWorkQueue:
        return 8;
    case BackgroundWorkQueue:
        return 7;
    case RealTimeWorkQueue:
        return 18;
    case SuperCriticalWorkQueue:
        return 14;
    default:
        if ((int)type > CustomPriorityWorkQueue && (int)type <= CustomPriorityWorkQueue + 31)
            return (KPRIORITY)((int)type - CustomPriorityWorkQueue);
        return -1;
    }
}

static int queue_index(WORK_QUEUE_TYPE type)
{
    return (int)type < MaximumWorkQueue ? (int)type : 8 + ((int)type - CustomPriorityWorkQueue);
}

/* WORK-11: what a work routine must undo before it returns. */
static void check_routine_return(pssim_machine *m, PETHREAD t, PWORK_QUEUE_ITEM item,
                                 PWORKER_THREAD_ROUTINE routine, PVOID parameter, SHORT apc)
{
    ULONG_PTR addr;
    memcpy(&addr, &routine, sizeof(addr));
    if (t->irql != PASSIVE_LEVEL)
        pssim__bugcheck(m, 0xE1, addr, t->irql, (ULONG_PTR)parameter, (ULONG_PTR)item,
                        "work routine %p returned at IRQL %u (WORK-11). Fix: release spin "
                        "locks and lower the IRQL before returning.",
                        (void *)addr, (unsigned)t->irql);
    else if (t->mutexes_owned)
        pssim__bugcheck(m, 0x39, addr, 0, (ULONG_PTR)parameter, (ULONG_PTR)item,
                        "work routine %p returned owning a kernel mutex (WORK-11).",
                        (void *)addr);
    else if (t->kernel_apc_disable != apc)
        pssim__bugcheck(m, 0x1, addr, (ULONG_PTR)(LONG_PTR)t->kernel_apc_disable, 0, 1,
                        "work routine %p returned with an unbalanced critical region (WORK-11, "
                        "SYNC-11).",
                        (void *)addr);
}

static VOID worker_body(PVOID arg)
{
    EX_WORK_QUEUE *q = arg;
    pssim_machine *m = q->machine;
    PETHREAD t = m->current_thread;
    t->kernel_apc_disable = 0; /* routines start outside any critical region */
    for (;;) {
        while (IsListEmpty(&q->items)) {
            t->worker_idle = true;
            KiWaitForObject(m, &q->wake, false, 0, WrExecutive);
            t->worker_idle = false;
            if (m->bugchecked)
                return;
        }
        PWORK_QUEUE_ITEM item = CONTAINING_RECORD(RemoveHeadList(&q->items), WORK_QUEUE_ITEM, List);
        /* WORK-7: the item is dequeued before its routine runs: it may requeue or free it. */
        item->List.Flink = NULL;
        PWORKER_THREAD_ROUTINE routine = item->WorkerRoutine;
        PVOID parameter = item->Parameter;
        SHORT apc = t->kernel_apc_disable;
        t->irql = PASSIVE_LEVEL; /* WORK-2 */
        routine(parameter);
        check_routine_return(m, t, item, routine, parameter, apc);
        if (m->bugchecked)
            return;
    }
}

VOID ExQueueWorkItem(PWORK_QUEUE_ITEM WorkItem, WORK_QUEUE_TYPE QueueType)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || !WorkItem || m->bugchecked)
        return;
    PETHREAD cur = m->current_thread;
    if (cur->irql > DISPATCH_LEVEL) {
        pssim__bugcheck(m, 0xC4, 0xE5, cur->irql, (ULONG_PTR)WorkItem, 0,
                        "ExQueueWorkItem at IRQL %u; it must be called at IRQL <= "
                        "DISPATCH_LEVEL (WORK-1).",
                        (unsigned)cur->irql);
        return;
    }
    KPRIORITY priority = queue_priority(QueueType);
    if (priority < 0) {
        pssim__bugcheck(m, 0xE4, 0x6, (ULONG_PTR)WorkItem, (ULONG_PTR)QueueType, 0,
                        "ExQueueWorkItem with the invalid queue type %d (WORK-11).",
                        (int)QueueType);
        return;
    }
    if (WorkItem->List.Flink != NULL) {
        pssim__bugcheck(m, 0xE4, 0x1, (ULONG_PTR)WorkItem, (ULONG_PTR)QueueType, 0,
                        "ExQueueWorkItem(%p): the item is already queued (WORK-7). Fix: wait "
                        "for its routine to run (it is dequeued first) before queueing it again.",
                        (void *)WorkItem);
        return;
    }
    if (!WorkItem->WorkerRoutine) {
        pssim__bugcheck(m, 0xE4, 0x7, (ULONG_PTR)WorkItem, 0, 0,
                        "ExQueueWorkItem(%p) with no routine (WORK-11).", (void *)WorkItem);
        return;
    }
    if (!m->work) {
        m->work = pssim__alloc(sizeof(*m->work));
        if (!m->work)
            return;
        for (int i = 0; i < EXP_QUEUES; i++) {
            InitializeListHead(&m->work->queues[i].items);
            KeInitializeEvent(&m->work->queues[i].wake, SynchronizationEvent, FALSE);
            m->work->queues[i].machine = m;
        }
    }
    EX_WORK_QUEUE *q = &m->work->queues[queue_index(QueueType)];
    if (!q->worker) {
        q->priority = priority;
        if (!NT_SUCCESS(PspCreateSystemWorker(m, worker_body, q, priority, &q->worker)))
            return;
    }
    InsertTailList(&q->items, &WorkItem->List);
    KeSetEvent(&q->wake, IO_NO_INCREMENT, FALSE);
}

void ExpDestroyWorkQueues(pssim_machine *m)
{
    pssim__free(m->work);
    m->work = NULL;
}
