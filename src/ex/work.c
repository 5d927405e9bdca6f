/* work.c: system worker threads and ExQueueWorkItem (section 6).
 *
 * Each queue type has one worker thread in the System process at the queue's priority (WORK-1
 * table in ps-semantics 6.1), created the first time an item is queued to it. One worker per
 * queue keeps runs easy to read; it also means that an item that blocks holds up the items
 * queued behind it, which is exactly the hazard WORK-3 warns about. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "ex/work.h"
#include "ke/ke.h"
#include "platform/platform.h"

#define EXP_QUEUES 40 /* the seven fixed types, and CustomPriorityWorkQueue + 1..31 */

typedef struct EX_WORK_OWNER {
    PWORK_QUEUE_ITEM item;
    EX_WORK_ORIGIN origin;
} EX_WORK_OWNER;

typedef struct EX_WORK_QUEUE {
    LIST_ENTRY items;
    KEVENT wake;
    PETHREAD worker;
    KPRIORITY priority;
    struct pssim_machine *machine;
    /* The driver that queued each item, in queue order (a ring): WORK_QUEUE_ITEM has no room
     * for it, and the worker needs it to catch a routine whose driver has unloaded (WORK-4). */
    struct EX_WORK_OWNER *owners;
    uint32_t owner_head, owner_count, owner_capacity;
    EX_WORK_OWNER running; /* the item whose routine runs now (item NULL: none) */
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
                        "work routine %p returned owning a kernel mutex (WORK-11).", (void *)addr);
    else if (t->kernel_apc_disable != apc)
        pssim__bugcheck(m, 0x1, addr, (ULONG_PTR)(LONG_PTR)t->kernel_apc_disable, 0, 1,
                        "work routine %p returned with an unbalanced critical region (WORK-11, "
                        "SYNC-11).",
                        (void *)addr);
}

/* Records who queued `item`. Out of host memory the record is skipped and pop_owner attributes
 * the item to the host image (it still runs: ExQueueWorkItem cannot fail). */
static void push_owner(EX_WORK_QUEUE *q, PWORK_QUEUE_ITEM item, const EX_WORK_ORIGIN *origin)
{
    if (q->owner_count == q->owner_capacity) {
        uint32_t cap = q->owner_capacity ? q->owner_capacity * 2 : 8;
        EX_WORK_OWNER *grown = pssim__alloc(cap * sizeof(*grown));
        if (!grown)
            return;
        for (uint32_t i = 0; i < q->owner_count; i++)
            grown[i] = q->owners[(q->owner_head + i) % q->owner_capacity];
        pssim__free(q->owners);
        q->owners = grown;
        q->owner_head = 0;
        q->owner_capacity = cap;
    }
    EX_WORK_OWNER *slot = &q->owners[(q->owner_head + q->owner_count) % q->owner_capacity];
    slot->item = item;
    slot->origin = *origin;
    q->owner_count++;
}

static EX_WORK_OWNER pop_owner(pssim_machine *m, EX_WORK_QUEUE *q, PWORK_QUEUE_ITEM item)
{
    if (q->owner_count == 0 || q->owners[q->owner_head].item != item) {
        EX_WORK_OWNER unknown = {
            item, {&m->host_image, (void (*)(void))item->WorkerRoutine, "ExQueueWorkItem", false}};
        return unknown;
    }
    EX_WORK_OWNER owner = q->owners[q->owner_head];
    q->owner_head = (q->owner_head + 1) % q->owner_capacity;
    q->owner_count--;
    return owner;
}

/* WORK-4: an Ex work item does not keep its driver loaded; if the driver unloaded before the
 * item ran, its routine is no longer mapped and Windows stops with 0xCE. */
static bool check_owner_loaded(pssim_machine *m, pssim_driver *owner,
                               PWORKER_THREAD_ROUTINE routine, PWORK_QUEUE_ITEM item)
{
    if (!owner->unloaded)
        return true;
    ULONG_PTR addr;
    memcpy(&addr, &routine, sizeof(addr));
    char sym[128];
    pssim__platform_describe_address((const void *)addr, sym, sizeof(sym));
    pssim__bugcheck(m, 0xCE, addr, 0, addr, 0,
                    "driver '%s' unloaded while its work item %p (routine %s) was still queued "
                    "with ExQueueWorkItem; the worker thread called into the unloaded image "
                    "(WORK-4). Fix: queue it with IoAllocateWorkItem/IoQueueWorkItem, which keeps "
                    "the device object and the driver loaded until the routine has run, or wait "
                    "for the routine in DriverUnload.",
                    owner->name, (void *)item, sym);
    return false;
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
        EX_WORK_OWNER rec = pop_owner(m, q, item);
        pssim_driver *owner = rec.origin.driver;
        /* WORK-7: the item is dequeued before its routine runs: it may requeue or free it. */
        item->List.Flink = NULL;
        PWORKER_THREAD_ROUTINE routine = item->WorkerRoutine;
        PVOID parameter = item->Parameter;
        if (!check_owner_loaded(m, owner, routine, item))
            return;
        SHORT apc = t->kernel_apc_disable;
        t->irql = PASSIVE_LEVEL; /* WORK-2 */
        uint64_t start_ns = m->now_ns;
        q->running = rec;
        PSSIM_WITH_DRIVER(m, owner, { routine(parameter); });
        q->running.item = NULL;
        /* WORK-11: a worker holds no lock between items, so any held now is the routine's. */
        pssim_verifier_call done = {.drv = owner, .what = "work item routine"};
        memcpy(&done.routine, &rec.origin.routine, sizeof(done.routine));
        pssim__verifier_check_locks_at_return(m, &done, 0);
        check_routine_return(m, t, item, routine, parameter, apc);
        if (m->bugchecked)
            return;
        /* WORK-3: how long the routine held this shared worker. */
        pssim__verifier_work_item_ran(m, owner, rec.origin.routine, rec.origin.api, start_ns);
        if (m->bugchecked)
            return;
    }
}

bool ExpCheckQueueCall(pssim_machine *m, PVOID item, WORK_QUEUE_TYPE QueueType, const char *api)
{
    PETHREAD cur = m->current_thread;
    if (cur->irql > DISPATCH_LEVEL) {
        pssim__bugcheck(m, 0xC4, 0xE5, cur->irql, (ULONG_PTR)item, 0,
                        "%s at IRQL %u; it must be called at IRQL <= DISPATCH_LEVEL (WORK-1).", api,
                        (unsigned)cur->irql);
        return false;
    }
    if (queue_priority(QueueType) < 0) {
        pssim__bugcheck(m, 0xE4, 0x6, (ULONG_PTR)item, (ULONG_PTR)QueueType, 0,
                        "%s with the invalid queue type %d (WORK-11).", api, (int)QueueType);
        return false;
    }
    return true;
}

VOID ExQueueWorkItem(PWORK_QUEUE_ITEM WorkItem, WORK_QUEUE_TYPE QueueType)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || !WorkItem || m->bugchecked)
        return;
    if (!ExpCheckQueueCall(m, WorkItem, QueueType, "ExQueueWorkItem"))
        return;
    if (ExpPoolBlockIsPaged(&m->pool, WorkItem)) {
        /* WORK-9: the worker touches the item at DISPATCH_LEVEL; pageable memory there is
         * what Driver Verifier stops at (checked when the item starts a pool block). */
        pssim__bugcheck(m, 0xC4, 0x131, (ULONG_PTR)WorkItem, 0, 0,
                        "ExQueueWorkItem(%p): the WORK_QUEUE_ITEM is in paged pool (WORK-9). "
                        "Fix: allocate it from nonpaged pool (POOL_FLAG_NON_PAGED).",
                        (void *)WorkItem);
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
    pssim__verifier_work_queued(m);
    EX_WORK_ORIGIN origin = {pssim__current_driver(m), (void (*)(void))WorkItem->WorkerRoutine,
                             "ExQueueWorkItem", false};
    ExpQueueWorkItem(m, WorkItem, QueueType, &origin);
}

void ExpQueueWorkItem(pssim_machine *m, PWORK_QUEUE_ITEM WorkItem, WORK_QUEUE_TYPE QueueType,
                      const EX_WORK_ORIGIN *origin)
{
    KPRIORITY priority = queue_priority(QueueType);
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
    push_owner(q, WorkItem, origin);
    InsertTailList(&q->items, &WorkItem->List);
    KeSetEvent(&q->wake, IO_NO_INCREMENT, FALSE);
}

void ExpDestroyWorkQueues(pssim_machine *m)
{
    if (m->work)
        for (int i = 0; i < EXP_QUEUES; i++)
            pssim__free(m->work->queues[i].owners);
    pssim__free(m->work);
    m->work = NULL;
}

void ExpCountUnpinnedItemsOf(pssim_machine *m, const pssim_driver *drv, uint32_t *queued,
                             uint32_t *running)
{
    *queued = *running = 0;
    for (int i = 0; m->work && i < EXP_QUEUES; i++) {
        EX_WORK_QUEUE *q = &m->work->queues[i];
        for (uint32_t k = 0; k < q->owner_count; k++) {
            const EX_WORK_ORIGIN *o = &q->owners[(q->owner_head + k) % q->owner_capacity].origin;
            if (o->driver == drv && !o->pins_driver)
                ++*queued;
        }
        if (q->running.item && q->running.origin.driver == drv && !q->running.origin.pins_driver)
            ++*running;
    }
}
