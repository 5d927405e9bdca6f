/* test_work.c: system worker threads and ExQueueWorkItem (ps-semantics section 6). */
#include "support.h"

REC_DEFINE_STORAGE;

#define MS 1000000ULL

static pssim_machine *machine(uint32_t cpus)
{
    return new_timed_machine(cpus, test_default_backend());
}

typedef struct item_ctx {
    WORK_QUEUE_ITEM item;
    int ran;
    HANDLE pid;
    KIRQL irql;
    KPRIORITY priority;
    BOOLEAN system;
    int order;
} item_ctx;

static int order_counter;

static VOID record_routine(PVOID p)
{
    item_ctx *c = p;
    c->ran++;
    c->pid = PsGetCurrentProcessId();
    c->irql = KeGetCurrentIrql();
    c->priority = KeQueryPriorityThread(KeGetCurrentThread());
    c->system = PsIsSystemThread(PsGetCurrentThread());
    c->order = ++order_counter;
}

/* WORK-2 / WORK-1 priorities / 6.1: routines run at PASSIVE_LEVEL on a system worker thread
 * of the System process, at the queue's priority; queued from the host, they run when the
 * machine runs; the machine's idle workers do not keep a run from finishing. */
static void test_routines_run_on_workers(void **state)
{
    (void)state;
    pssim_machine *m = machine(2);
    item_ctx delayed, critical, custom;
    memset(&delayed, 0, sizeof(delayed));
    memset(&critical, 0, sizeof(critical));
    memset(&custom, 0, sizeof(custom));
    order_counter = 0;
    ExInitializeWorkItem(&delayed.item, record_routine, &delayed);
    ExInitializeWorkItem(&critical.item, record_routine, &critical);
    ExInitializeWorkItem(&custom.item, record_routine, &custom);
    ExQueueWorkItem(&delayed.item, DelayedWorkQueue);
    ExQueueWorkItem(&critical.item, CriticalWorkQueue);
    ExQueueWorkItem(&custom.item, (WORK_QUEUE_TYPE)(CustomPriorityWorkQueue + 5));
    assert_int_equal(delayed.ran, 0);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(delayed.ran, 1);
    assert_int_equal(critical.ran, 1);
    assert_int_equal(custom.ran, 1);
    assert_ptr_equal(delayed.pid, PSSIM_SYSTEM_PID);
    assert_int_equal(delayed.irql, PASSIVE_LEVEL);
    assert_true(delayed.system);
    assert_int_equal(delayed.priority, 12);
    assert_int_equal(critical.priority, 13);
    assert_int_equal(custom.priority, 5);
    /* WORK-7: the item was dequeued before its routine ran, so it can be queued again. */
    ExQueueWorkItem(&delayed.item, DelayedWorkQueue);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(delayed.ran, 2);
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);
}

/* WORK-6 / one worker per queue: items of one queue run one after another, in order. */
static VOID slow_routine(PVOID p)
{
    record_routine(p);
    pssim_cpu_work(2 * MS);
}

static void test_queue_order(void **state)
{
    (void)state;
    pssim_machine *m = machine(4);
    item_ctx items[3];
    memset(items, 0, sizeof(items));
    order_counter = 0;
    uint64_t t0 = pssim_machine_now(m);
    for (int i = 0; i < 3; i++) {
        ExInitializeWorkItem(&items[i].item, slow_routine, &items[i]);
        ExQueueWorkItem(&items[i].item, DelayedWorkQueue);
    }
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    for (int i = 0; i < 3; i++)
        assert_int_equal(items[i].order, i + 1);
    assert_int_equal(pssim_machine_now(m) - t0, 6 * MS);
    pssim_machine_destroy(m);
}

/* WORK-7: queueing an item that is still queued is bug check 0xE4, P1 = 1; an invalid queue
 * type is 0xE4, P1 = 6. */
static void test_double_queue(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    item_ctx c;
    memset(&c, 0, sizeof(c));
    ExInitializeWorkItem(&c.item, record_routine, &c);
    ExQueueWorkItem(&c.item, DelayedWorkQueue);
    ExQueueWorkItem(&c.item, DelayedWorkQueue);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xE4);
    assert_int_equal(bc.parameters[0], 0x1);
    pssim_machine_destroy(m);

    m = machine(1);
    ExInitializeWorkItem(&c.item, record_routine, &c);
    ExQueueWorkItem(&c.item, MaximumWorkQueue);
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xE4);
    assert_int_equal(bc.parameters[0], 0x6);
    pssim_machine_destroy(m);
}

/* WORK-11: a routine that returns at a raised IRQL (0xE1) or in an unbalanced critical region
 * (0x1, P4 = 1) stops the machine. */
static VOID raised_routine(PVOID p)
{
    (void)p;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
}

static VOID region_routine(PVOID p)
{
    (void)p;
    KeEnterCriticalRegion();
}

static void test_routine_return_state(void **state)
{
    (void)state;
    PWORKER_THREAD_ROUTINE routines[2] = {raised_routine, region_routine};
    ULONG codes[2] = {0xE1, 0x1};
    for (int i = 0; i < 2; i++) {
        pssim_machine *m = machine(1);
        WORK_QUEUE_ITEM item;
        ExInitializeWorkItem(&item, routines[i], NULL);
        ExQueueWorkItem(&item, DelayedWorkQueue);
        assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
        pssim_bugcheck bc;
        assert_true(pssim_machine_bugcheck(m, &bc));
        assert_int_equal(bc.code, codes[i]);
        if (codes[i] == 0x1)
            assert_int_equal(bc.parameters[3], 1);
        pssim_machine_destroy(m);
    }
}

/* WORK-3 / GUIDE-6: a routine that blocks holds up its own queue but not the others; the
 * machine's worker threads never keep a run going, even the blocked one; the blocked routine
 * finishes once its event is set. */
static KEVENT never;
static VOID blocking_routine(PVOID p)
{
    (void)p;
    KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, NULL);
}

static void test_blocking_item_deadlock(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    WORK_QUEUE_ITEM item;
    ExInitializeWorkItem(&item, blocking_routine, NULL);
    ExQueueWorkItem(&item, DelayedWorkQueue);
    item_ctx other;
    memset(&other, 0, sizeof(other));
    ExInitializeWorkItem(&other.item, record_routine, &other);
    ExQueueWorkItem(&other.item, CriticalWorkQueue); /* another queue: not held up */
    item_ctx behind;
    memset(&behind, 0, sizeof(behind));
    ExInitializeWorkItem(&behind.item, record_routine, &behind);
    ExQueueWorkItem(&behind.item, DelayedWorkQueue); /* queued behind the blocking item */
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(other.ran, 1);
    assert_int_equal(behind.ran, 0); /* held up by the blocked routine (WORK-3) */
    KeSetEvent(&never, IO_NO_INCREMENT, FALSE);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(behind.ran, 1);
    pssim_machine_destroy(m);
}

/* WORK-9: the WORK_QUEUE_ITEM lives in nonpaged pool and its routine may free it (the worker
 * dequeued it first); an item in paged pool is Verifier's 0xC4 / 0x131. */
static VOID free_own_item(PVOID p)
{
    ExFreePoolWithTag(p, 'kroW');
}

static void test_item_memory(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    PWORK_QUEUE_ITEM item = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*item), 'kroW');
    assert_non_null(item);
    ExInitializeWorkItem(item, free_own_item, item);
    ExQueueWorkItem(item, DelayedWorkQueue);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    uint64_t bytes = 1, blocks = 1;
    assert_int_equal(pssim_pool_usage(m, 'kroW', &bytes, &blocks), STATUS_SUCCESS);
    assert_int_equal(blocks, 0);
    assert_false(pssim_machine_bugcheck(m, NULL));

    item = ExAllocatePool2(POOL_FLAG_PAGED, sizeof(*item), 'kroW');
    assert_non_null(item);
    ExInitializeWorkItem(item, free_own_item, item);
    ExQueueWorkItem(item, DelayedWorkQueue);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0x131);
    assert_int_equal(bc.parameters[1], (ULONG_PTR)item);
    pssim_machine_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routines_run_on_workers),
        cmocka_unit_test(test_queue_order),
        cmocka_unit_test(test_double_queue),
        cmocka_unit_test(test_routine_return_state),
        cmocka_unit_test(test_blocking_item_deadlock),
        cmocka_unit_test(test_item_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
