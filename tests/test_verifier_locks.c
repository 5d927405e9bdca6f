/* test_verifier_locks.c: the verifier's lock rules (docs/verifier.md, "Locks"): GUIDE-5
 * lock-order cycles (a potential deadlock, found on a schedule that did not deadlock) and actual
 * deadlocks with their wait-for cycle, GUIDE-4 for a lock that is held elsewhere, and
 * IMAGE-NOTIFY-12 for a routine that returns holding a lock; each triggered and not, off, warn
 * and fail. */
#include "verifier_support.h"

#include <pssim/cmocka.h>

REC_DEFINE_STORAGE;

static HANDLE new_process(pssim_machine *m, const char *image)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = image;
    HANDLE pid = NULL;
    assert_int_equal(pssim_process_create(m, &p, &pid, NULL), STATUS_SUCCESS);
    return pid;
}

/* ---- a driver whose process and thread routines take two locks, in orders the test sets ---- */

static FAST_MUTEX lock_a;
static KMUTEX lock_b;
static ERESOURCE lock_c;
static bool process_order_ab, thread_order_ab, use_resource;

static void take_b(void)
{
    if (use_resource) {
        ExAcquireResourceExclusiveLite(&lock_c, TRUE);
    } else {
        KeWaitForSingleObject(&lock_b, Executive, KernelMode, FALSE, NULL);
    }
}

static void drop_b(void)
{
    if (use_resource)
        ExReleaseResourceLite(&lock_c);
    else
        KeReleaseMutex(&lock_b, FALSE);
}

static void both(bool a_first)
{
    KeEnterCriticalRegion(); /* the resource wants one (SYNC-9) */
    if (a_first) {
        ExAcquireFastMutex(&lock_a);
        take_b();
        drop_b();
        ExReleaseFastMutex(&lock_a);
    } else {
        take_b();
        ExAcquireFastMutex(&lock_a);
        ExReleaseFastMutex(&lock_a);
        drop_b();
    }
    KeLeaveCriticalRegion();
}

static VOID order_process_routine(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    (void)pid;
    if (create)
        both(process_order_ab);
}

static VOID order_thread_routine(HANDLE pid, HANDLE tid, BOOLEAN create)
{
    (void)pid;
    (void)tid;
    if (create)
        both(thread_order_ab);
}

static VOID order_unload(PDRIVER_OBJECT d)
{
    (void)d;
    PsSetCreateProcessNotifyRoutine(order_process_routine, TRUE);
    PsRemoveCreateThreadNotifyRoutine(order_thread_routine);
    ExDeleteResourceLite(&lock_c);
}

static NTSTATUS order_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = order_unload;
    ExInitializeFastMutex(&lock_a);
    KeInitializeMutex(&lock_b, 0);
    ExInitializeResourceLite(&lock_c);
    NTSTATUS st = PsSetCreateProcessNotifyRoutine(order_process_routine, FALSE);
    if (NT_SUCCESS(st))
        st = PsSetCreateThreadNotifyRoutine(order_thread_routine);
    return st;
}

static PDRIVER_OBJECT load_order_driver(pssim_machine *m)
{
    PDRIVER_OBJECT d = NULL;
    assert_int_equal(pssim_driver_load(m, order_entry, "lockdrv", 0, &d), STATUS_SUCCESS);
    return d;
}

/* GUIDE-5: the process routine takes A then B, the thread routine B then A. They run one after
 * the other on the creating thread, so nothing deadlocks, yet the cycle is reported once, naming
 * both locks, both orders and the call sites; creating more processes adds no report. */
static void test_lock_order_cycle_found_without_deadlock(void **state)
{
    (void)state;
    for (int resource = 0; resource <= 1; resource++) {
        pssim_machine *m = vmachine(PSSIM_VERIFIER_WARN, 1);
        use_resource = resource;
        process_order_ab = true;
        thread_order_ab = false;
        PDRIVER_OBJECT d = load_order_driver(m);
        new_process(m, "\\??\\C:\\one.exe");
        new_process(m, "\\??\\C:\\two.exe");
        assert_int_equal(vcount(m, PSSIM_VRULE_LOCK_ORDER), 1);
        assert_int_equal(vcount(m, PSSIM_VRULE_DEADLOCK), 0);
        const pssim_verifier_report *r = vfirst(m, PSSIM_VRULE_LOCK_ORDER);
        assert_string_equal(r->driver, "lockdrv");
        assert_string_equal(r->call, "ExAcquireFastMutex"); /* the acquisition closing it */
        assert_non_null(strstr(r->text, "cycle of 2 locks"));
        assert_non_null(strstr(r->text, "fast mutex"));
        assert_non_null(strstr(r->text, resource ? "resource" : "mutex"));
        assert_non_null(
            strstr(r->text, resource ? "ExAcquireResourceExclusiveLite" : "KeWaitForSingleObject"));
        assert_non_null(strstr(r->text, "GUIDE-5"));
        assert_true(strlen(r->routine) > 0); /* the routine that closed the cycle */
        /* Each order comes with the call stack of its second acquisition, outwards. */
        assert_non_null(strstr(r->text, " < "));
        assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
        pssim_machine_destroy(m);
    }
}

/* The same driver taking A then B in both routines: no order report. Waiting for a KMUTEX
 * with no timeout is itself a blocking call (GUIDE-4), so only the resource version is silent
 * altogether. */
static void test_lock_order_consistent_is_silent(void **state)
{
    (void)state;
    for (int resource = 0; resource <= 1; resource++) {
        pssim_machine *m = vmachine(PSSIM_VERIFIER_WARN, 1);
        use_resource = resource;
        process_order_ab = thread_order_ab = true;
        PDRIVER_OBJECT d = load_order_driver(m);
        new_process(m, "\\??\\C:\\one.exe");
        new_process(m, "\\??\\C:\\two.exe");
        if (resource)
            pssim_assert_no_verifier_reports(m);
        else
            assert_int_equal(vcount(m, PSSIM_VRULE_BLOCKING_CALL), pssim_verifier_report_count(m));
        assert_int_equal(vcount(m, PSSIM_VRULE_LOCK_ORDER), 0);
        assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
        pssim_machine_destroy(m);
    }
}

/* Off: silent; fail: the machine stops with 0xC4, P1 = the verifier's base + the rule. */
static void test_lock_order_off_and_fail(void **state)
{
    (void)state;
    pssim_machine *m = vmachine(PSSIM_VERIFIER_OFF, 1);
    use_resource = false;
    process_order_ab = true;
    thread_order_ab = false;
    load_order_driver(m);
    new_process(m, "\\??\\C:\\one.exe");
    assert_int_equal(pssim_verifier_report_count(m), 0);
    pssim_machine_destroy(m);

    m = vmachine(PSSIM_VERIFIER_WARN, 1);
    assert_int_equal(pssim_verifier_set(m, PSSIM_VRULE_LOCK_ORDER, PSSIM_VERIFIER_FAIL),
                     STATUS_SUCCESS);
    load_order_driver(m);
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\??\\C:\\one.exe";
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), PSSIM_STATUS_BUGCHECK);
    vassert_failed(m, PSSIM_VRULE_LOCK_ORDER);
    pssim_machine_destroy(m);
}

/* ---- two system threads that take two locks in opposite orders ---- */

static FAST_MUTEX mx1, mx2;
static KSPIN_LOCK sl1, sl2;
static bool with_spin_locks;
static int finished;

static void take_pair(bool first_one)
{
    if (with_spin_locks) {
        KIRQL a, b;
        PKSPIN_LOCK x = first_one ? &sl1 : &sl2, y = first_one ? &sl2 : &sl1;
        KeAcquireSpinLock(x, &a);
        pssim_cpu_work(10000); /* long enough for the other processor to take its first */
        KeAcquireSpinLock(y, &b);
        KeReleaseSpinLock(y, b);
        KeReleaseSpinLock(x, a);
    } else {
        PFAST_MUTEX x = first_one ? &mx1 : &mx2, y = first_one ? &mx2 : &mx1;
        ExAcquireFastMutex(x);
        pssim_cpu_work(10000);
        ExAcquireFastMutex(y);
        ExReleaseFastMutex(y);
        ExReleaseFastMutex(x);
    }
    finished++;
}

static VOID worker_one(PVOID p)
{
    (void)p;
    take_pair(true);
}

static VOID worker_two(PVOID p)
{
    (void)p;
    take_pair(false);
}

static void start_pair(pssim_machine *m)
{
    ExInitializeFastMutex(&mx1);
    ExInitializeFastMutex(&mx2);
    KeInitializeSpinLock(&sl1);
    KeInitializeSpinLock(&sl2);
    finished = 0;
    pssim_thread_params tp;
    pssim_thread_params_init(&tp);
    tp.start = worker_one;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &tp, NULL), STATUS_SUCCESS);
    tp.start = worker_two;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &tp, NULL), STATUS_SUCCESS);
}

/* GUIDE-5: on two processors the threads deadlock on two fast mutexes. The order cycle is
 * reported when the second thread asks for its second lock, and the actual deadlock names the
 * wait-for cycle; the run ends as a possible deadlock instead of hanging. */
static void test_actual_deadlock_names_the_cycle(void **state)
{
    (void)state;
    pssim_machine *m = vmachine(PSSIM_VERIFIER_WARN, 2);
    with_spin_locks = false;
    start_pair(m);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
    assert_int_equal(finished, 0);
    assert_int_equal(vcount(m, PSSIM_VRULE_LOCK_ORDER), 1);
    assert_int_equal(vcount(m, PSSIM_VRULE_DEADLOCK), 1);
    const pssim_verifier_report *r = vfirst(m, PSSIM_VRULE_DEADLOCK);
    assert_string_equal(r->call, "ExAcquireFastMutex");
    assert_non_null(strstr(r->text, "waits for fast mutex"));
    char held[64];
    snprintf(held, sizeof(held), "%p", (void *)&mx1); /* named too, when the host can tell */
    assert_non_null(strstr(r->text, held));
    snprintf(held, sizeof(held), "%p", (void *)&mx2);
    assert_non_null(strstr(r->text, held));
    pssim_machine_destroy(m);
}

/* On one processor the same two threads never overlap (no preemption between their calls):
 * no deadlock, but the order cycle is still found. */
static void test_order_cycle_without_overlap(void **state)
{
    (void)state;
    pssim_machine *m = vmachine(PSSIM_VERIFIER_WARN, 1);
    with_spin_locks = false;
    start_pair(m);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(finished, 2);
    assert_int_equal(vcount(m, PSSIM_VRULE_LOCK_ORDER), 1);
    assert_int_equal(vcount(m, PSSIM_VRULE_DEADLOCK), 0);
    pssim_machine_destroy(m);
}

/* Spin locks: two processors spinning on each other's lock never stop; the machine stops with
 * Driver Verifier's deadlock bug check (0xC4 / 0x1001) after the report (SYNC-14). */
static void test_spin_lock_deadlock_bugchecks(void **state)
{
    (void)state;
    pssim_machine *m = vmachine(PSSIM_VERIFIER_WARN, 2);
    with_spin_locks = true;
    start_pair(m);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0x1001);
    assert_int_equal(vcount(m, PSSIM_VRULE_DEADLOCK), 1);
    assert_non_null(strstr(vfirst(m, PSSIM_VRULE_DEADLOCK)->text, "waits for spin lock"));
    pssim_machine_destroy(m);
}

/* ---- GUIDE-4: a notify routine that takes a lock a system thread holds ---- */

static FAST_MUTEX shared_lock;
static KEVENT holder_may_go;
static bool routine_took_it;

static VOID holder_body(PVOID p)
{
    (void)p;
    ExAcquireFastMutex(&shared_lock);
    KeWaitForSingleObject(&holder_may_go, Executive, KernelMode, FALSE, NULL);
    ExReleaseFastMutex(&shared_lock);
}

static VOID contended_routine(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    (void)pid;
    if (!create)
        return;
    KeSetEvent(&holder_may_go, IO_NO_INCREMENT, FALSE);
    ExAcquireFastMutex(&shared_lock);
    routine_took_it = true;
    ExReleaseFastMutex(&shared_lock);
}

static VOID contended_unload(PDRIVER_OBJECT d)
{
    (void)d;
    PsSetCreateProcessNotifyRoutine(contended_routine, TRUE);
}

static NTSTATUS contended_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = contended_unload;
    ExInitializeFastMutex(&shared_lock);
    KeInitializeEvent(&holder_may_go, NotificationEvent, FALSE);
    return PsSetCreateProcessNotifyRoutine(contended_routine, FALSE);
}

static void test_contended_lock_in_routine_is_blocking(void **state)
{
    (void)state;
    pssim_machine *m = vmachine(PSSIM_VERIFIER_WARN, 1);
    PDRIVER_OBJECT d = NULL;
    assert_int_equal(pssim_driver_load(m, contended_entry, "contdrv", 0, &d), STATUS_SUCCESS);
    /* Uncontended: silent. */
    routine_took_it = false;
    new_process(m, "\\??\\C:\\free.exe");
    assert_true(routine_took_it);
    pssim_assert_no_verifier_reports(m);
    /* A system thread holds it and waits for the event the routine sets. */
    KeClearEvent(&holder_may_go);
    pssim_thread_params tp;
    pssim_thread_params_init(&tp);
    tp.start = holder_body;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &tp, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK); /* it holds, waits */
    routine_took_it = false;
    new_process(m, "\\??\\C:\\held.exe");
    assert_true(routine_took_it);
    assert_int_equal(vcount(m, PSSIM_VRULE_BLOCKING_CALL), 1);
    const pssim_verifier_report *r = vfirst(m, PSSIM_VRULE_BLOCKING_CALL);
    assert_string_equal(r->call, "ExAcquireFastMutex");
    assert_string_equal(r->driver, "contdrv");
    assert_int_equal(vcount(m, PSSIM_VRULE_DEADLOCK), 0);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    pssim_machine_destroy(m);
}

/* ---- IMAGE-NOTIFY-12: returning holding a lock ---- */

static ERESOURCE kept;
static EX_PUSH_LOCK kept_push;
static enum { RELEASE, KEEP_RESOURCE, KEEP_PUSH_LOCK } keep_mode;

static VOID keeping_routine(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    (void)pid;
    if (!create)
        return;
    KeEnterCriticalRegion();
    if (keep_mode == KEEP_PUSH_LOCK) {
        ExAcquirePushLockExclusive(&kept_push);
    } else {
        ExAcquireResourceExclusiveLite(&kept, TRUE);
        if (keep_mode == RELEASE)
            ExReleaseResourceLite(&kept);
    }
    KeLeaveCriticalRegion(); /* balanced: only the lock is left behind */
}

static NTSTATUS keeping_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)d;
    (void)reg;
    ExInitializeResourceLite(&kept);
    ExInitializePushLock(&kept_push);
    return PsSetCreateProcessNotifyRoutine(keeping_routine, FALSE);
}

static void test_return_holding_lock(void **state)
{
    (void)state;
    for (int k = RELEASE; k <= KEEP_PUSH_LOCK; k++) {
        pssim_machine *m = vmachine(PSSIM_VERIFIER_WARN, 1);
        keep_mode = k;
        assert_int_equal(pssim_driver_load(m, keeping_entry, "keepdrv", 0, NULL), STATUS_SUCCESS);
        new_process(m, "\\??\\C:\\a.exe");
        if (k == RELEASE) {
            pssim_assert_no_verifier_reports(m);
        } else {
            assert_int_equal(vcount(m, PSSIM_VRULE_RETURN_HOLDING_LOCK), 1);
            const pssim_verifier_report *r = vfirst(m, PSSIM_VRULE_RETURN_HOLDING_LOCK);
            assert_string_equal(r->driver, "keepdrv");
            assert_non_null(strstr(r->text, "process-notify routine returned holding"));
            assert_non_null(strstr(r->text, k == KEEP_PUSH_LOCK ? "push lock" : "resource"));
            assert_non_null(strstr(r->text, "IMAGE-NOTIFY-12"));
        }
        pssim_machine_destroy(m);
    }
}

/* WORK-11: a work item routine that returns holding a resource (its critical region left
 * balanced) is reported against the routine; one that releases it is not. */
static ERESOURCE item_lock;
static WORK_QUEUE_ITEM lock_item;
static bool item_keeps;

static VOID locking_item(PVOID p)
{
    (void)p;
    KeEnterCriticalRegion();
    ExAcquireResourceExclusiveLite(&item_lock, TRUE);
    if (!item_keeps)
        ExReleaseResourceLite(&item_lock);
    KeLeaveCriticalRegion();
}

static NTSTATUS item_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)d;
    (void)reg;
    ExInitializeResourceLite(&item_lock);
    ExInitializeWorkItem(&lock_item, locking_item, NULL);
    ExQueueWorkItem(&lock_item, DelayedWorkQueue);
    return STATUS_SUCCESS;
}

static void test_work_item_returning_holding_lock(void **state)
{
    (void)state;
    for (int keep = 0; keep <= 1; keep++) {
        pssim_machine *m = vmachine(PSSIM_VERIFIER_WARN, 1);
        item_keeps = keep;
        assert_int_equal(pssim_driver_load(m, item_entry, "itemdrv", 0, NULL), STATUS_SUCCESS);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
        if (!keep) {
            pssim_assert_no_verifier_reports(m);
        } else {
            assert_int_equal(vcount(m, PSSIM_VRULE_RETURN_HOLDING_LOCK), 1);
            const pssim_verifier_report *r = vfirst(m, PSSIM_VRULE_RETURN_HOLDING_LOCK);
            assert_string_equal(r->driver, "itemdrv");
            assert_non_null(strstr(r->text, "work item routine returned holding resource"));
            assert_non_null(strstr(r->text, "WORK-11"));
        }
        pssim_machine_destroy(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_order_cycle_found_without_deadlock),
        cmocka_unit_test(test_lock_order_consistent_is_silent),
        cmocka_unit_test(test_lock_order_off_and_fail),
        cmocka_unit_test(test_actual_deadlock_names_the_cycle),
        cmocka_unit_test(test_order_cycle_without_overlap),
        cmocka_unit_test(test_spin_lock_deadlock_bugchecks),
        cmocka_unit_test(test_contended_lock_in_routine_is_blocking),
        cmocka_unit_test(test_return_holding_lock),
        cmocka_unit_test(test_work_item_returning_holding_lock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
