/* test_sync.c: kernel mutexes, semaphores, fast and guarded mutexes and spin locks between
 * threads on simulated processors, and the bug checks for their misuse (ps-semantics 8). */
#include "support.h"

REC_DEFINE_STORAGE;

#define MS 1000000ULL

static pssim_machine *machine(uint32_t cpus)
{
    return new_timed_machine(cpus, test_default_backend());
}

static void start(pssim_machine *m, PKSTART_ROUTINE body, void *ctx)
{
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = body;
    p.context = ctx;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
}

static uint64_t now_ns(void)
{
    return KeQueryInterruptTime() * 100;
}

/* ---- mutual exclusion under each lock: two threads on two processors increment a shared
 * counter in a read / compute / write sequence; with the lock no update is lost. ---- */
static int lock_kind; /* 0 KMUTEX, 1 FAST_MUTEX, 2 guarded mutex, 3 spin lock */
static KMUTEX kmutex;
static FAST_MUTEX fmutex;
static KGUARDED_MUTEX gmutex;
static KSPIN_LOCK spin;
static int shared_counter;

static VOID increment_body(PVOID arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        KIRQL old = PASSIVE_LEVEL;
        switch (lock_kind) {
        case 0:
            KeWaitForSingleObject(&kmutex, Executive, KernelMode, FALSE, NULL);
            break;
        case 1:
            ExAcquireFastMutex(&fmutex);
            break;
        case 2:
            KeAcquireGuardedMutex(&gmutex);
            break;
        default:
            KeAcquireSpinLock(&spin, &old);
        }
        int v = shared_counter;
        pssim_cpu_work(1000); /* the other processor runs meanwhile */
        shared_counter = v + 1;
        switch (lock_kind) {
        case 0:
            KeReleaseMutex(&kmutex, FALSE);
            break;
        case 1:
            ExReleaseFastMutex(&fmutex);
            break;
        case 2:
            KeReleaseGuardedMutex(&gmutex);
            break;
        default:
            KeReleaseSpinLock(&spin, old);
        }
    }
}

/* SYNC-6/7/8: each lock serializes the critical section across processors. */
static void test_locks_exclude(void **state)
{
    (void)state;
    for (lock_kind = 0; lock_kind < 4; lock_kind++) {
        pssim_machine *m = machine(2);
        KeInitializeMutex(&kmutex, 0);
        ExInitializeFastMutex(&fmutex);
        KeInitializeGuardedMutex(&gmutex);
        KeInitializeSpinLock(&spin);
        shared_counter = 0;
        start(m, increment_body, NULL);
        start(m, increment_body, NULL);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
        assert_int_equal(shared_counter, 40);
        assert_false(pssim_machine_bugcheck(m, NULL));
        pssim_machine_destroy(m);
    }
}

/* Without a lock the same sequence loses updates: the simulation really interleaves. */
static VOID unlocked_body(PVOID arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        int v = shared_counter;
        pssim_cpu_work(1000);
        shared_counter = v + 1;
    }
}

static void test_race_without_lock(void **state)
{
    (void)state;
    pssim_machine *m = machine(2);
    shared_counter = 0;
    start(m, unlocked_body, NULL);
    start(m, unlocked_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_true(shared_counter < 40);
    pssim_machine_destroy(m);
}

/* SYNC-6: a mutex is recursive for its owner (released as many times); ownership disables
 * normal kernel APCs; the state reads 1 when free. */
static int recursion_ok;
static VOID recursive_body(PVOID arg)
{
    (void)arg;
    BOOLEAN before = KeAreApcsDisabled();
    KeWaitForSingleObject(&kmutex, Executive, KernelMode, FALSE, NULL);
    KeWaitForSingleObject(&kmutex, Executive, KernelMode, FALSE, NULL);
    recursion_ok = KeReadStateMutex(&kmutex) == -1 && KeAreApcsDisabled();
    KeReleaseMutex(&kmutex, FALSE);
    KeReleaseMutex(&kmutex, FALSE);
    recursion_ok = recursion_ok && KeReadStateMutex(&kmutex) == 1 && KeAreApcsDisabled() == before;
}

static void test_mutex_recursion(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    KeInitializeMutex(&kmutex, 0);
    recursion_ok = 0;
    start(m, recursive_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_true(recursion_ok);
    pssim_machine_destroy(m);
}

/* SYNC-6: release by a non-owner raises STATUS_MUTANT_NOT_OWNED, which nothing handles
 * (0x1E); exiting while owning one is 0x4000008A. */
static VOID foreign_release_body(PVOID arg)
{
    (void)arg;
    KeReleaseMutex(&kmutex, FALSE);
}

static VOID exit_owning_body(PVOID arg)
{
    (void)arg;
    KeWaitForSingleObject(&kmutex, Executive, KernelMode, FALSE, NULL);
}

static void test_mutex_misuse(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    KeInitializeMutex(&kmutex, 0);
    start(m, foreign_release_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0x1E);
    assert_int_equal(bc.parameters[0], (ULONG_PTR)(ULONG)STATUS_MUTANT_NOT_OWNED);
    pssim_machine_destroy(m);

    m = machine(1);
    KeInitializeMutex(&kmutex, 0);
    start(m, exit_owning_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0x4000008A);
    pssim_machine_destroy(m);
}

/* SYNC-13: a semaphore admits as many waiters as its count; release returns the previous
 * count; a release past the limit raises STATUS_SEMAPHORE_LIMIT_EXCEEDED and keeps the count. */
static KSEMAPHORE sem;
static int inside, max_inside;
static VOID sem_body(PVOID arg)
{
    (void)arg;
    KeWaitForSingleObject(&sem, Executive, KernelMode, FALSE, NULL);
    inside++;
    if (inside > max_inside)
        max_inside = inside;
    pssim_cpu_work(2 * MS);
    inside--;
    KeReleaseSemaphore(&sem, IO_NO_INCREMENT, 1, FALSE);
}

static void test_semaphore(void **state)
{
    (void)state;
    pssim_machine *m = machine(4);
    KeInitializeSemaphore(&sem, 2, 2);
    inside = max_inside = 0;
    uint64_t t0 = pssim_machine_now(m);
    for (int i = 0; i < 4; i++)
        start(m, sem_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(max_inside, 2);
    assert_int_equal(pssim_machine_now(m) - t0, 4 * MS); /* two rounds of 2 ms */
    assert_int_equal(KeReadStateSemaphore(&sem), 2);
    assert_int_equal(KeReleaseSemaphore(&sem, IO_NO_INCREMENT, 1, FALSE), 2);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0x1E);
    assert_int_equal(bc.parameters[0], (ULONG_PTR)(ULONG)STATUS_SEMAPHORE_LIMIT_EXCEEDED);
    assert_int_equal(KeReadStateSemaphore(&sem), 2);
    pssim_machine_destroy(m);
}

/* SYNC-7: ExAcquireFastMutex raises to APC_LEVEL and the release restores the old IRQL;
 * re-acquiring is a self-deadlock (0xC4 / 0x1000); acquiring above APC_LEVEL is 0xC4 / 0x33. */
static KIRQL irql_inside, irql_after;
static VOID fast_irql_body(PVOID arg)
{
    (void)arg;
    ExAcquireFastMutex(&fmutex);
    irql_inside = KeGetCurrentIrql();
    ExReleaseFastMutex(&fmutex);
    irql_after = KeGetCurrentIrql();
    ExAcquireFastMutex(&fmutex);
    ExAcquireFastMutex(&fmutex);
}

static void test_fast_mutex_rules(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    ExInitializeFastMutex(&fmutex);
    start(m, fast_irql_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    assert_int_equal(irql_inside, APC_LEVEL);
    assert_int_equal(irql_after, PASSIVE_LEVEL);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0x1000);
    pssim_machine_destroy(m);

    m = machine(1);
    ExInitializeFastMutex(&fmutex);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    ExAcquireFastMutex(&fmutex);
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0x33);
    pssim_machine_destroy(m);
}

/* SYNC-8 and IRQL-3: a recursive spin lock acquire is 0xF; releasing a lock not held is 0x10;
 * waiting at DISPATCH_LEVEL with a non-zero timeout is 0xC4 / 0x122 (IRQL-1). */
static VOID spin_recursive_body(PVOID arg)
{
    (void)arg;
    KIRQL a, b;
    KeAcquireSpinLock(&spin, &a);
    KeAcquireSpinLock(&spin, &b);
}

static VOID wait_at_dispatch_body(PVOID arg)
{
    (void)arg;
    KIRQL a;
    KeAcquireSpinLock(&spin, &a);
    LARGE_INTEGER t;
    t.QuadPart = -10000;
    KEVENT e;
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &t);
}

static void test_spin_lock_rules(void **state)
{
    (void)state;
    pssim_bugcheck bc;
    pssim_machine *m = machine(1);
    KeInitializeSpinLock(&spin);
    start(m, spin_recursive_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xF);
    pssim_machine_destroy(m);

    m = machine(1);
    KeInitializeSpinLock(&spin);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeReleaseSpinLock(&spin, PASSIVE_LEVEL);
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0x10);
    pssim_machine_destroy(m);

    m = machine(1);
    KeInitializeSpinLock(&spin);
    start(m, wait_at_dispatch_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0x122);
    pssim_machine_destroy(m);
}

/* IRQL-1: a thread holding a spin lock (DISPATCH_LEVEL) is not preempted by a higher-priority
 * thread that becomes ready; the preemption happens when it releases the lock. */
static uint64_t high_started_at, low_released_at;
static VOID low_spin_body(PVOID arg)
{
    (void)arg;
    KIRQL old;
    KeAcquireSpinLock(&spin, &old);
    pssim_cpu_work(5 * MS);
    low_released_at = now_ns();
    KeReleaseSpinLock(&spin, old);
    pssim_cpu_work(1 * MS);
}

static VOID high_late_body(PVOID arg)
{
    (void)arg;
    LARGE_INTEGER d;
    d.QuadPart = -10000; /* 1 ms */
    KeDelayExecutionThread(KernelMode, FALSE, &d);
    high_started_at = now_ns();
}

static void test_no_preemption_at_dispatch(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    KeInitializeSpinLock(&spin);
    uint64_t t0 = pssim_machine_now(m);
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = high_late_body;
    p.priority = 20;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
    p.start = low_spin_body;
    p.priority = 8;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(low_released_at - t0, 5 * MS);
    assert_int_equal(high_started_at - t0, 5 * MS); /* waited for the release, not 1 ms */
    pssim_machine_destroy(m);
}

/* SYNC-2/5: WaitAny returns STATUS_WAIT_0 + the index of the object that satisfied it; WaitAll
 * returns once every object is signaled at the same time, consuming each; more than
 * THREAD_WAIT_OBJECTS objects need a wait block array, and without one it is bug check 0xC. */
static KEVENT ev_a, ev_b;
static NTSTATUS any_result, all_result;
static uint64_t all_done_at;
static VOID wait_any_body(PVOID arg)
{
    (void)arg;
    PVOID objs[2] = {&ev_a, &ev_b};
    any_result =
        KeWaitForMultipleObjects(2, objs, WaitAny, Executive, KernelMode, FALSE, NULL, NULL);
}

static VOID wait_all_body(PVOID arg)
{
    (void)arg;
    PVOID objs[3] = {&ev_a, &ev_b, &kmutex};
    all_result =
        KeWaitForMultipleObjects(3, objs, WaitAll, Executive, KernelMode, FALSE, NULL, NULL);
    all_done_at = now_ns();
    KeReleaseMutex(&kmutex, FALSE);
}

static VOID set_b_then_a_body(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(1 * MS);
    KeSetEvent(&ev_b, IO_NO_INCREMENT, FALSE);
    pssim_cpu_work(1 * MS);
    KeSetEvent(&ev_a, IO_NO_INCREMENT, FALSE);
}

static VOID too_many_body(PVOID arg)
{
    (void)arg;
    PVOID objs[4] = {&ev_a, &ev_b, &ev_a, &ev_b};
    KeWaitForMultipleObjects(4, objs, WaitAny, Executive, KernelMode, FALSE, NULL, NULL);
}

static void test_wait_multiple(void **state)
{
    (void)state;
    pssim_machine *m = machine(2);
    KeInitializeEvent(&ev_a, NotificationEvent, FALSE);
    KeInitializeEvent(&ev_b, NotificationEvent, FALSE);
    KeInitializeMutex(&kmutex, 0);
    uint64_t t0 = pssim_machine_now(m);
    start(m, wait_any_body, NULL);
    start(m, wait_all_body, NULL);
    start(m, set_b_then_a_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(any_result, STATUS_WAIT_1); /* ev_b was set first */
    assert_int_equal(all_result, STATUS_SUCCESS);
    assert_int_equal(all_done_at - t0, 2 * MS); /* only when ev_a joined ev_b */
    assert_int_equal(KeReadStateMutex(&kmutex), 1);
    pssim_machine_destroy(m);

    m = machine(1);
    start(m, too_many_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC);
    pssim_machine_destroy(m);

    /* With an array, many objects work; a zero timeout tests without waiting. */
    m = machine(1);
    KWAIT_BLOCK blocks[5];
    KEVENT evs[5];
    PVOID objs[5];
    for (int i = 0; i < 5; i++) {
        KeInitializeEvent(&evs[i], NotificationEvent, i == 4);
        objs[i] = &evs[i];
    }
    LARGE_INTEGER zero = {{0, 0}};
    assert_int_equal(
        KeWaitForMultipleObjects(5, objs, WaitAny, Executive, KernelMode, FALSE, &zero, blocks),
        STATUS_WAIT_0 + 4);
    assert_int_equal(
        KeWaitForMultipleObjects(5, objs, WaitAll, Executive, KernelMode, FALSE, &zero, blocks),
        STATUS_TIMEOUT);
    assert_int_equal(
        KeWaitForMultipleObjects(2, objs, (WAIT_TYPE)7, Executive, KernelMode, FALSE, &zero, NULL),
        STATUS_INVALID_PARAMETER);
    pssim_machine_destroy(m);
}

/* SYNC-9: ERESOURCE: readers share it, a writer waits for them, a reader arriving while a
 * writer waits queues behind the writer; Wait=FALSE returns FALSE instead of waiting. */
static ERESOURCE res;
static int readers_inside, max_readers;
static uint64_t writer_got_at, late_reader_got_at;
static BOOLEAN try_result;

static VOID reader_body(PVOID arg)
{
    (void)arg;
    KeEnterCriticalRegion();
    ExAcquireResourceSharedLite(&res, TRUE);
    readers_inside++;
    if (readers_inside > max_readers)
        max_readers = readers_inside;
    pssim_cpu_work(4 * MS);
    readers_inside--;
    ExReleaseResourceLite(&res);
    KeLeaveCriticalRegion();
}

static VOID writer_body(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(1 * MS);
    KeEnterCriticalRegion();
    try_result = ExAcquireResourceExclusiveLite(&res, FALSE);
    ExAcquireResourceExclusiveLite(&res, TRUE);
    writer_got_at = now_ns();
    assert_true(ExIsResourceAcquiredExclusiveLite(&res));
    pssim_cpu_work(2 * MS);
    ExReleaseResourceLite(&res);
    KeLeaveCriticalRegion();
}

static VOID late_reader_body(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(2 * MS);
    ExEnterCriticalRegionAndAcquireResourceShared(&res);
    late_reader_got_at = now_ns();
    ExReleaseResourceAndLeaveCriticalRegion(&res);
}

static void test_eresource(void **state)
{
    (void)state;
    pssim_machine *m = machine(4);
    assert_int_equal(ExInitializeResourceLite(&res), STATUS_SUCCESS);
    readers_inside = max_readers = 0;
    uint64_t t0 = pssim_machine_now(m);
    start(m, reader_body, NULL);
    start(m, reader_body, NULL);
    start(m, writer_body, NULL);
    start(m, late_reader_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(max_readers, 2);
    assert_false(try_result);
    assert_int_equal(writer_got_at - t0, 4 * MS);      /* after both readers */
    assert_int_equal(late_reader_got_at - t0, 6 * MS); /* behind the waiting writer */
    assert_int_equal(ExDeleteResourceLite(&res), STATUS_SUCCESS);
    pssim_machine_destroy(m);
}

/* SYNC-9 misuse: acquiring outside a critical region (0xC4 / 0x37), releasing a resource not
 * held (0xE3), and asking exclusive while holding it shared (a self-deadlock). */
static VOID no_region_body(PVOID arg)
{
    (void)arg;
    KeLeaveCriticalRegion(); /* system threads start inside one (SYSTHREAD-4) */
    ExAcquireResourceExclusiveLite(&res, TRUE);
}

static VOID foreign_resource_release_body(PVOID arg)
{
    (void)arg;
    ExReleaseResourceLite(&res);
}

static VOID upgrade_body(PVOID arg)
{
    (void)arg;
    ExAcquireResourceSharedLite(&res, TRUE);
    ExAcquireResourceExclusiveLite(&res, TRUE);
}

static void test_eresource_misuse(void **state)
{
    (void)state;
    PKSTART_ROUTINE bodies[3] = {no_region_body, foreign_resource_release_body, upgrade_body};
    ULONG codes[3] = {0xC4, 0xE3, 0xC4};
    ULONG_PTR p1[3] = {0x37, 0, 0x1000};
    for (int i = 0; i < 3; i++) {
        pssim_machine *m = machine(1);
        ExInitializeResourceLite(&res);
        start(m, bodies[i], NULL);
        assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
        pssim_bugcheck bc;
        assert_true(pssim_machine_bugcheck(m, &bc));
        assert_int_equal(bc.code, codes[i]);
        if (p1[i])
            assert_int_equal(bc.parameters[0], p1[i]);
        pssim_machine_destroy(m);
    }
}

/* SYNC-10: push locks: shared holders overlap, an exclusive request waits for them and blocks
 * later shared requests; exclusive recursion would hang (self-deadlock 0xC4 / 0x1000); use
 * with normal kernel APCs enabled is 0xC4 / 0xEA. */
static EX_PUSH_LOCK plock;
static int pl_inside, pl_max;
static uint64_t pl_writer_at, pl_late_at;
static VOID pl_reader(PVOID arg)
{
    (void)arg;
    ExAcquirePushLockShared(&plock);
    pl_inside++;
    if (pl_inside > pl_max)
        pl_max = pl_inside;
    pssim_cpu_work(4 * MS);
    pl_inside--;
    ExReleasePushLockShared(&plock);
}

static VOID pl_writer(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(1 * MS);
    ExAcquirePushLockExclusive(&plock);
    pl_writer_at = now_ns();
    pssim_cpu_work(2 * MS);
    ExReleasePushLockExclusive(&plock);
}

static VOID pl_late_reader(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(2 * MS);
    ExAcquirePushLockShared(&plock);
    pl_late_at = now_ns();
    ExReleasePushLockShared(&plock);
}

static VOID pl_recursive(PVOID arg)
{
    (void)arg;
    ExAcquirePushLockExclusive(&plock);
    ExAcquirePushLockExclusive(&plock);
}

static VOID pl_no_region(PVOID arg)
{
    (void)arg;
    KeLeaveCriticalRegion();
    ExAcquirePushLockShared(&plock);
}

static void test_push_lock(void **state)
{
    (void)state;
    pssim_machine *m = machine(4);
    ExInitializePushLock(&plock);
    pl_inside = pl_max = 0;
    uint64_t t0 = pssim_machine_now(m);
    start(m, pl_reader, NULL);
    start(m, pl_reader, NULL);
    start(m, pl_writer, NULL);
    start(m, pl_late_reader, NULL);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(pl_max, 2);
    assert_int_equal(pl_writer_at - t0, 4 * MS);
    assert_int_equal(pl_late_at - t0, 6 * MS);
    assert_int_equal(plock, 0);
    pssim_machine_destroy(m);

    PKSTART_ROUTINE bodies[2] = {pl_recursive, pl_no_region};
    ULONG_PTR p1[2] = {0x1000, 0xEA};
    for (int i = 0; i < 2; i++) {
        m = machine(1);
        ExInitializePushLock(&plock);
        start(m, bodies[i], NULL);
        assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
        pssim_bugcheck bc;
        assert_true(pssim_machine_bugcheck(m, &bc));
        assert_int_equal(bc.code, 0xC4);
        assert_int_equal(bc.parameters[0], p1[i]);
        pssim_machine_destroy(m);
    }
}

/* KTIMER and DPCs: a one-shot notification timer wakes its waiter at the due time and stays
 * signaled; a periodic timer queues its DPC every period, and the DPC runs at DISPATCH_LEVEL;
 * a DPC queued twice is queued once; KeCancelTimer says whether the timer was set. */
static KTIMER timer;
static KDPC dpc;
static int dpc_runs;
static KIRQL dpc_irql;
static uint64_t timer_woke_at;

static VOID dpc_routine(PKDPC d, PVOID ctx, PVOID a1, PVOID a2)
{
    (void)d;
    (void)ctx;
    (void)a1;
    (void)a2;
    dpc_runs++;
    dpc_irql = KeGetCurrentIrql();
}

static VOID timer_waiter(PVOID arg)
{
    (void)arg;
    LARGE_INTEGER due;
    due.QuadPart = -30000; /* 3 ms */
    assert_false(KeSetTimer(&timer, due, NULL));
    KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, NULL);
    timer_woke_at = now_ns();
}

static VOID periodic_user(PVOID arg)
{
    (void)arg;
    LARGE_INTEGER due;
    due.QuadPart = -10000; /* first at 1 ms, then every 2 ms */
    KeSetTimerEx(&timer, due, 2, &dpc);
    LARGE_INTEGER d;
    d.QuadPart = -100000; /* 10 ms */
    KeDelayExecutionThread(KernelMode, FALSE, &d);
    assert_true(KeCancelTimer(&timer));
    assert_false(KeCancelTimer(&timer));
}

static void test_timers_and_dpcs(void **state)
{
    (void)state;
    pssim_machine *m = machine(2);
    KeInitializeTimer(&timer);
    uint64_t t0 = pssim_machine_now(m);
    start(m, timer_waiter, NULL);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(timer_woke_at - t0, 3 * MS);
    assert_true(KeReadStateTimer(&timer)); /* a notification timer stays signaled */
    pssim_machine_destroy(m);

    m = machine(2);
    KeInitializeTimerEx(&timer, SynchronizationTimer);
    KeInitializeDpc(&dpc, dpc_routine, NULL);
    dpc_runs = 0;
    start(m, periodic_user, NULL);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(dpc_runs, 5); /* at 1, 3, 5, 7 and 9 ms */
    assert_int_equal(dpc_irql, DISPATCH_LEVEL);
    KeInitializeDpc(&dpc, dpc_routine, NULL);
    assert_true(KeInsertQueueDpc(&dpc, NULL, NULL));
    assert_false(KeInsertQueueDpc(&dpc, NULL, NULL));
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(dpc_runs, 6);
    pssim_machine_destroy(m);
}

/* api-contract config timer_resolution_ns: timers expire at the next multiple of the clock
 * interval, as Windows rounds them. */
static void test_timer_resolution(void **state)
{
    (void)state;
    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.event_cost_ns = 0;
    cfg.timer_resolution_ns = 15625000;
    cfg.backend = test_default_backend();
    pssim_machine *m;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_SUCCESS);
    KeInitializeTimer(&timer);
    start(m, timer_waiter, NULL);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(timer_woke_at % 15625000, 0);
    assert_true(timer_woke_at >= 3 * MS);
    pssim_machine_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_locks_exclude),    cmocka_unit_test(test_race_without_lock),
        cmocka_unit_test(test_mutex_recursion),  cmocka_unit_test(test_mutex_misuse),
        cmocka_unit_test(test_semaphore),        cmocka_unit_test(test_fast_mutex_rules),
        cmocka_unit_test(test_spin_lock_rules),  cmocka_unit_test(test_no_preemption_at_dispatch),
        cmocka_unit_test(test_wait_multiple),    cmocka_unit_test(test_eresource),
        cmocka_unit_test(test_eresource_misuse), cmocka_unit_test(test_push_lock),
        cmocka_unit_test(test_timers_and_dpcs),  cmocka_unit_test(test_timer_resolution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
