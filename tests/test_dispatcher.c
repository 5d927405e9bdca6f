/* test_dispatcher.c: threads with bodies on N simulated processors in virtual time: known-answer
 * schedules, preemption, round robin, waits, delays, deadlock reports, system threads
 * (ps-semantics 5.4, 7, 8; api-contract "Execution"). Every scenario runs on both backends. */
#include "support.h"

REC_DEFINE_STORAGE;

#define MS 1000000ULL

static pssim_machine *machine(uint32_t cpus)
{
    return new_timed_machine(cpus, test_backend);
}

static uint64_t now_ns(void)
{
    return KeQueryInterruptTime() * 100;
}

/* ---- a worker: does `work` ns of computation, records when it finished ---- */
typedef struct worker {
    uint64_t work, chunk;
    uint64_t finished_at;
    HANDLE tid;
    int order;
} worker;

static int finish_counter;

static VOID work_body(PVOID arg)
{
    worker *w = arg;
    w->tid = PsGetCurrentThreadId();
    if (w->chunk) {
        for (uint64_t done = 0; done < w->work; done += w->chunk)
            pssim_cpu_work(w->chunk);
    } else {
        pssim_cpu_work(w->work);
    }
    w->finished_at = now_ns();
    w->order = ++finish_counter;
}

static void start(pssim_machine *m, PKSTART_ROUTINE body, void *ctx, KPRIORITY prio,
                  KAFFINITY affinity)
{
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = body;
    p.context = ctx;
    p.priority = prio;
    p.affinity = affinity;
    assert_int_equal(pssim_thread_start(m, pssim_host_pid(m), &p, NULL), STATUS_SUCCESS);
}

/* SCHED-2/-7 known answers: 4 equal threads needing 100 ms each. On 4 processors they finish
 * together at +100 ms; on 1 processor round robin with 31.25 ms quanta finishes them at
 * +381.25, +387.5, +393.75 and +400 ms, in start order. */
static void test_equal_threads_1_vs_4_cpus(void **state)
{
    (void)state;
    for (uint32_t cpus = 1; cpus <= 4; cpus += 3) {
        pssim_machine *m = machine(cpus);
        worker w[4];
        memset(w, 0, sizeof(w));
        finish_counter = 0;
        uint64_t t0 = pssim_machine_now(m);
        for (int i = 0; i < 4; i++) {
            w[i].work = 100 * MS;
            start(m, work_body, &w[i], 8, 0);
        }
        assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
        for (int i = 0; i < 4; i++) {
            if (cpus == 4)
                assert_int_equal(w[i].finished_at - t0, 100 * MS);
            else
                assert_int_equal(w[i].finished_at - t0, 381250000ULL + (uint64_t)i * 6250000ULL);
            assert_int_equal(w[i].order, i + 1);
        }
        pssim_machine_destroy(m);
    }
}

/* SCHED-2: a higher-priority thread that becomes ready preempts the running one at once. */
static worker high_w;
static VOID high_body(PVOID arg)
{
    (void)arg;
    LARGE_INTEGER d;
    d.QuadPart = -100000; /* 10 ms */
    assert_int_equal(KeDelayExecutionThread(KernelMode, FALSE, &d), STATUS_SUCCESS);
    high_w.work = 5 * MS;
    work_body(&high_w);
}

static void test_preemption(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    worker low;
    memset(&low, 0, sizeof(low));
    memset(&high_w, 0, sizeof(high_w));
    finish_counter = 0;
    low.work = 20 * MS;
    uint64_t t0 = pssim_machine_now(m);
    start(m, high_body, NULL, 12, 0);
    start(m, work_body, &low, 8, 0);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(high_w.finished_at - t0, 15 * MS); /* woke at 10, ran 5 at once */
    assert_int_equal(low.finished_at - t0, 25 * MS);    /* 20 of work + 5 preempted */
    assert_int_equal(high_w.order, 1);
    pssim_machine_destroy(m);
}

/* SCHED-8: affinity confines a thread: two threads bound to processor 1 share it while
 * processor 0 stays idle. */
static void test_affinity(void **state)
{
    (void)state;
    pssim_machine *m = machine(2);
    worker w[2];
    memset(w, 0, sizeof(w));
    uint64_t t0 = pssim_machine_now(m);
    for (int i = 0; i < 2; i++) {
        w[i].work = 10 * MS;
        start(m, work_body, &w[i], 8, 0x2);
    }
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(w[0].finished_at - t0, 10 * MS);
    assert_int_equal(w[1].finished_at - t0, 20 * MS);
    pssim_machine_destroy(m);
}

/* SYNC-4 / SYNC-2: a waiter on a synchronization event wakes when another thread sets it, at
 * the virtual time of the set; the event is reset by the satisfied wait. */
static KEVENT ev;
static uint64_t woke_at;
static NTSTATUS wait_result;
static VOID waiter_body(PVOID arg)
{
    (void)arg;
    wait_result = KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, NULL);
    woke_at = now_ns();
}

static VOID setter_body(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(3 * MS);
    assert_int_equal(KeSetEvent(&ev, IO_NO_INCREMENT, FALSE), 0);
}

static void test_event_wakes_waiter(void **state)
{
    (void)state;
    pssim_machine *m = machine(2);
    KeInitializeEvent(&ev, SynchronizationEvent, FALSE);
    uint64_t t0 = pssim_machine_now(m);
    start(m, waiter_body, NULL, 8, 0);
    start(m, setter_body, NULL, 8, 0);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(wait_result, STATUS_SUCCESS);
    assert_int_equal(woke_at - t0, 3 * MS);
    assert_int_equal(KeReadStateEvent(&ev), 0);
    pssim_machine_destroy(m);
}

/* SYNC-1/2: a relative timeout ends the wait with STATUS_TIMEOUT at the due time; a zero
 * timeout tests without waiting. */
static uint64_t timed_out_at;
static VOID timeout_body(PVOID arg)
{
    (void)arg;
    LARGE_INTEGER zero = {{0, 0}};
    assert_int_equal(KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, &zero),
                     STATUS_TIMEOUT);
    LARGE_INTEGER t;
    t.QuadPart = -70000; /* 7 ms */
    wait_result = KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, &t);
    timed_out_at = now_ns();
}

static void test_wait_timeout(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    KeInitializeEvent(&ev, NotificationEvent, FALSE);
    uint64_t t0 = pssim_machine_now(m);
    start(m, timeout_body, NULL, 8, 0);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(wait_result, STATUS_TIMEOUT);
    assert_int_equal(timed_out_at - t0, 7 * MS);
    pssim_machine_destroy(m);
}

/* api-contract: a thread waiting with nothing left that could wake it is a possible deadlock;
 * the report names it and what it waits on. */
static void test_deadlock_report(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    KeInitializeEvent(&ev, NotificationEvent, FALSE);
    start(m, waiter_body, NULL, 8, 0);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
    const char *r = pssim_machine_report(m);
    assert_non_null(strstr(r, "pssim-host.exe"));
    assert_non_null(strstr(r, "notification event"));
    /* Setting the event from the host lets the next run finish. */
    KeSetEvent(&ev, IO_NO_INCREMENT, FALSE);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    pssim_machine_destroy(m);
}

/* api-contract: run until an absolute virtual time returns STATUS_TIMEOUT and can resume. */
static void test_run_until(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    worker w;
    memset(&w, 0, sizeof(w));
    w.work = 50 * MS;
    w.chunk = 1 * MS;
    uint64_t t0 = pssim_machine_now(m);
    start(m, work_body, &w, 8, 0);
    assert_int_equal(pssim_machine_run(m, t0 + 20 * MS), STATUS_TIMEOUT);
    assert_int_equal(pssim_machine_now(m), t0 + 20 * MS);
    assert_int_equal(w.finished_at, 0);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(w.finished_at - t0, 50 * MS);
    pssim_machine_destroy(m);
}

/* SYSTHREAD-1/2/3/5/10/11 and THREAD-NOTIFY-1: a driver creates a system thread in DriverEntry;
 * thread-create routines run on the creator; the handle references a thread object that is
 * signaled when the thread has terminated; returning from the body exits with STATUS_SUCCESS. */
static HANDLE sys_thread_handle;
static int sys_body_ran;
static HANDLE sys_body_pid;
static KIRQL sys_body_irql;
static BOOLEAN sys_body_apcs_off;
static KPRIORITY sys_body_priority;
static VOID sys_body(PVOID arg)
{
    (void)arg;
    sys_body_ran++;
    sys_body_priority = KeQueryPriorityThread(KeGetCurrentThread());
    sys_body_pid = PsGetCurrentProcessId();
    sys_body_irql = KeGetCurrentIrql();
    sys_body_apcs_off = KeAreApcsDisabled();
    assert_true(PsIsSystemThread(PsGetCurrentThread()));
    pssim_cpu_work(2 * MS);
}

static NTSTATUS sys_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)d;
    (void)reg;
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    return PsCreateSystemThread(&sys_thread_handle, THREAD_ALL_ACCESS, &oa, NULL, NULL, sys_body,
                                NULL);
}

static void thread_cb(HANDLE pid, HANDLE tid, BOOLEAN create)
{
    rec_event *e = rec_add("thread");
    e->pid = pid;
    e->tid = tid;
    e->create = create;
}

static void test_system_thread_from_driver(void **state)
{
    (void)state;
    pssim_machine *m = machine(2);
    rec_reset();
    sys_body_ran = 0;
    assert_int_equal(PsSetCreateThreadNotifyRoutine(thread_cb), STATUS_SUCCESS);
    PDRIVER_OBJECT drv;
    assert_int_equal(pssim_driver_load(m, sys_entry, "thrd", 0, &drv), STATUS_SUCCESS);
    assert_int_equal(rec_count, 1);
    assert_int_equal(rec_log[0].create, 1);
    assert_ptr_equal(rec_log[0].pid, PSSIM_SYSTEM_PID);
    assert_ptr_equal(rec_log[0].cur_pid, PSSIM_SYSTEM_PID); /* DriverEntry's thread */
    PVOID obj;
    assert_int_equal(ObReferenceObjectByHandle(sys_thread_handle, SYNCHRONIZE, *PsThreadType,
                                               KernelMode, &obj, NULL),
                     STATUS_SUCCESS);
    /* SYSTHREAD-11: the host waits on the thread object; the machine runs meanwhile. */
    assert_int_equal(KeWaitForSingleObject(obj, Executive, KernelMode, FALSE, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(sys_body_ran, 1);
    assert_ptr_equal(sys_body_pid, PSSIM_SYSTEM_PID);
    assert_int_equal(sys_body_irql, PASSIVE_LEVEL);
    assert_true(sys_body_apcs_off);         /* SYSTHREAD-4 */
    assert_int_equal(sys_body_priority, 8); /* SYSTHREAD-9: the System process's base */
    assert_int_equal(PsGetThreadExitStatus((PETHREAD)obj), STATUS_SUCCESS);
    assert_int_equal(rec_count, 2);
    assert_int_equal(rec_log[1].create, 0);
    assert_ptr_equal(rec_log[1].cur_tid, rec_log[1].tid); /* exit on the thread itself */
    ObDereferenceObject(obj);
    assert_int_equal(ZwClose(sys_thread_handle), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(PsRemoveCreateThreadNotifyRoutine(thread_cb), STATUS_SUCCESS);
    pssim_machine_destroy(m);
}

/* SYSTHREAD-6: PsTerminateSystemThread ends a system thread with its status and does not
 * return; on a non-system thread it fails. */
static int after_terminate;
static VOID terminating_body(PVOID arg)
{
    (void)arg;
    PsTerminateSystemThread((NTSTATUS)0x1234);
    after_terminate = 1;
}

static void test_terminate_system_thread(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    after_terminate = 0;
    HANDLE tid;
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = terminating_body;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, &tid), STATUS_SUCCESS);
    PETHREAD t;
    assert_int_equal(PsLookupThreadByThreadId(tid, &t), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(after_terminate, 0);
    assert_int_equal(PsGetThreadExitStatus(t), 0x1234);
    ObDereferenceObject(t);
    assert_int_equal(PsTerminateSystemThread(0), STATUS_INVALID_PARAMETER); /* the host */
    pssim_machine_destroy(m);
}

/* A bug check inside a thread body stops the machine: run returns PSSIM_STATUS_BUGCHECK. */
static VOID bugchecking_body(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(1 * MS);
    KeBugCheckEx(0xE2, 1, 2, 3, 4);
}

static void test_bugcheck_in_thread(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    start(m, bugchecking_body, NULL, 8, 0);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xE2);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    pssim_machine_destroy(m);
}

/* Determinism: the same scenario gives the same finish times and order every time, and on
 * both backends (api-contract "Execution"). */
static void test_determinism(void **state)
{
    (void)state;
    uint64_t first[6];
    int first_order[6];
    int saved = test_backend;
    for (int run = 0; run < 4; run++) {
        test_backend =
            run % 2 || PSSIM_TEST_UNDER_TSAN ? PSSIM_BACKEND_THREADS : PSSIM_BACKEND_FIBERS;
        pssim_machine *m = machine(3);
        worker w[6];
        memset(w, 0, sizeof(w));
        finish_counter = 0;
        uint64_t t0 = pssim_machine_now(m);
        for (int i = 0; i < 6; i++) {
            w[i].work = (uint64_t)(i + 1) * 7 * MS;
            w[i].chunk = (uint64_t)(i % 3 + 1) * MS;
            start(m, work_body, &w[i], 8 + i % 2, 0);
        }
        assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
        for (int i = 0; i < 6; i++) {
            if (run == 0) {
                first[i] = w[i].finished_at - t0;
                first_order[i] = w[i].order;
            } else {
                assert_int_equal(w[i].finished_at - t0, first[i]);
                assert_int_equal(w[i].order, first_order[i]);
            }
        }
        pssim_machine_destroy(m);
    }
    test_backend = saved;
}

/* Bad input to the execution calls; SCHED-1 (priorities 0..31) and SCHED-9 (one group of
 * active processors, a bad group gives 0). */
static void test_execution_bad_input(void **state)
{
    (void)state;
    pssim_machine *m = machine(2);
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    assert_int_equal(pssim_thread_start(m, pssim_host_pid(m), &p, NULL), STATUS_INVALID_PARAMETER);
    p.start = work_body;
    p.priority = 32;
    assert_int_equal(pssim_thread_start(m, pssim_host_pid(m), &p, NULL), STATUS_INVALID_PARAMETER);
    p.priority = 0;
    p.affinity = 0x4; /* processor 2 does not exist */
    assert_int_equal(pssim_thread_start(m, pssim_host_pid(m), &p, NULL), STATUS_INVALID_PARAMETER);
    p.affinity = 0;
    assert_int_equal(pssim_thread_start(m, (HANDLE)0x7FF8, &p, NULL), STATUS_INVALID_CID);
    assert_int_equal(pssim_thread_start(NULL, pssim_host_pid(m), &p, NULL),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_machine_run(NULL, 0), STATUS_INVALID_PARAMETER);
    HANDLE h;
    assert_int_equal(PsCreateSystemThread(&h, 0, NULL, NULL, NULL, NULL, NULL),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(KeWaitForSingleObject(NULL, Executive, KernelMode, FALSE, NULL),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(KeDelayExecutionThread(KernelMode, FALSE, NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(KeQueryActiveProcessorCount(NULL), 2);
    assert_int_equal(KeQueryActiveProcessorCountEx(1), 0);
    pssim_machine_destroy(m);
}

/* SCHED-4: a wait satisfied with an increment boosts a variable-priority thread, and the boost
 * decays one level per quantum end back to the base; real-time threads are never boosted. */
static KPRIORITY seen_prio[4];
static VOID boosted_body(PVOID arg)
{
    (void)arg;
    KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, NULL);
    for (int i = 0; i < 4; i++) {
        seen_prio[i] = KeQueryPriorityThread(KeGetCurrentThread());
        pssim_cpu_work(31250000ULL); /* one quantum */
    }
}

static VOID boost_setter_body(PVOID arg)
{
    (void)arg;
    KeSetEvent(&ev, 2, FALSE);
}

static void test_boost_and_decay(void **state)
{
    (void)state;
    for (int rt = 0; rt < 2; rt++) {
        pssim_machine *m = machine(1);
        KeInitializeEvent(&ev, NotificationEvent, FALSE);
        start(m, boosted_body, NULL, rt ? 16 : 8, 0);
        start(m, boost_setter_body, NULL, rt ? 16 : 8, 0);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
        if (rt) {
            for (int i = 0; i < 4; i++)
                assert_int_equal(seen_prio[i], 16);
        } else {
            assert_int_equal(seen_prio[0], 10);
            assert_int_equal(seen_prio[1], 9);
            assert_int_equal(seen_prio[2], 8);
            assert_int_equal(seen_prio[3], 8);
        }
        pssim_machine_destroy(m);
    }
}

/* Starvation relief (balance-set manager, SCHED-4 note): a low-priority thread kept from the
 * processor for about 4 s runs one quantum at priority 15. */
static uint64_t low_first_ran;
static VOID starving_body(PVOID arg)
{
    (void)arg;
    low_first_ran = now_ns();
    assert_int_equal(KeQueryPriorityThread(KeGetCurrentThread()), 15);
}

static void test_starvation_relief(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    worker hog;
    memset(&hog, 0, sizeof(hog));
    hog.work = 10000 * MS;
    uint64_t t0 = pssim_machine_now(m);
    start(m, work_body, &hog, 12, 0);
    start(m, starving_body, NULL, 4, 0);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_true(low_first_ran - t0 >= 4000 * MS);
    assert_true(low_first_ran - t0 <= 5000 * MS);
    assert_int_equal(hog.finished_at - t0, 10000 * MS); /* the starving thread ran no work */
    pssim_machine_destroy(m);
}

/* SCHED-5: KeSetPriorityThread returns the old priority; lowering the running thread below a
 * ready one reschedules it at once. SCHED-6: KeSetBasePriorityThread is relative to the
 * process base and returns the previous increment. */
static int lowered_order[2];
static int lowered_count;
static VOID lowering_body(PVOID arg)
{
    (void)arg;
    assert_int_equal(KeSetPriorityThread(KeGetCurrentThread(), 6), 10);
    lowered_order[lowered_count++] = 1;
}

static VOID other_body(PVOID arg)
{
    (void)arg;
    lowered_order[lowered_count++] = 2;
}

static void test_set_priority(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    lowered_count = 0;
    start(m, lowering_body, NULL, 10, 0);
    start(m, other_body, NULL, 8, 0);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(lowered_order[0], 2); /* the priority-8 thread ran first */
    assert_int_equal(lowered_order[1], 1);
    PKTHREAD host = KeGetCurrentThread();
    assert_int_equal(KeSetBasePriorityThread(host, 2), 0);
    assert_int_equal(KeQueryPriorityThread(host), 10);
    assert_int_equal(KeSetBasePriorityThread(host, 20), 2);
    assert_int_equal(KeQueryPriorityThread(host), 15); /* clamped to the variable range */
    pssim_machine_destroy(m);
}

/* SCHED-8: KeSetSystemAffinityThreadEx moves the thread to an allowed processor and returns the
 * previous system affinity (0 the first time); revert restores the user affinity; masks with
 * no existing processor are ignored. */
static ULONG cpu_before, cpu_during, cpu_after_revert;
static KAFFINITY first_prev, second_prev, ignored_prev;
static VOID affinity_body(PVOID arg)
{
    (void)arg;
    cpu_before = KeGetCurrentProcessorNumberEx(NULL);
    first_prev = KeSetSystemAffinityThreadEx(0x2);
    cpu_during = KeGetCurrentProcessorNumberEx(NULL);
    ignored_prev = KeSetSystemAffinityThreadEx(0x100);
    second_prev = KeSetSystemAffinityThreadEx(0x2);
    KeRevertToUserAffinityThreadEx(0);
    pssim_cpu_work(1000);
    cpu_after_revert = KeGetCurrentProcessorNumberEx(NULL);
}

static void test_system_affinity(void **state)
{
    (void)state;
    pssim_machine *m = machine(2);
    start(m, affinity_body, NULL, 8, 0x1);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(cpu_before, 0);
    assert_int_equal(first_prev, 0);
    assert_int_equal(cpu_during, 1);
    assert_int_equal(ignored_prev, 0x2);
    assert_int_equal(second_prev, 0x2);
    assert_int_equal(cpu_after_revert, 0); /* back on the processor its user affinity allows */
    pssim_machine_destroy(m);
}

/* PROC-NOTIFY-3 and PROC-REG-9 on real threads: processes created on two processors call the
 * same routine concurrently; a removal waits until both calls have returned (rundown) while
 * the rest of the machine goes on; the slot is free for others at once. */
static int in_routine, max_in_routine;
static uint64_t removal_returned_at;
static NTSTATUS removal_status;

static void slow_process_routine(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    (void)pid;
    if (!create)
        return;
    in_routine++;
    if (in_routine > max_in_routine)
        max_in_routine = in_routine;
    pssim_cpu_work(5 * MS); /* long enough for the other processor to enter too */
    in_routine--;
}

static VOID creator_body(PVOID arg)
{
    pssim_machine *m = arg;
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\Device\\HarddiskVolume2\\worker.exe";
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), STATUS_SUCCESS);
}

static VOID remover_body(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(2 * MS);
    removal_status = PsSetCreateProcessNotifyRoutine(slow_process_routine, TRUE);
    removal_returned_at = now_ns();
}

static void test_concurrent_routines_and_rundown(void **state)
{
    (void)state;
    pssim_machine *m = machine(3);
    in_routine = max_in_routine = 0;
    assert_int_equal(PsSetCreateProcessNotifyRoutine(slow_process_routine, FALSE), STATUS_SUCCESS);
    uint64_t t0 = pssim_machine_now(m);
    start(m, creator_body, m, 8, 0x1);
    start(m, creator_body, m, 8, 0x2);
    start(m, remover_body, NULL, 8, 0x4);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(max_in_routine, 2);
    assert_int_equal(removal_status, STATUS_SUCCESS);
    assert_int_equal(removal_returned_at - t0, 5 * MS); /* waited for both calls to return */
    assert_int_equal(PsSetCreateProcessNotifyRoutine(slow_process_routine, TRUE),
                     STATUS_PROCEDURE_NOT_FOUND);

    /* The host removing while a call is in flight runs the machine until the call returns. */
    assert_int_equal(PsSetCreateProcessNotifyRoutine(slow_process_routine, FALSE), STATUS_SUCCESS);
    t0 = pssim_machine_now(m);
    start(m, creator_body, m, 8, 0);
    assert_int_equal(pssim_machine_run(m, t0 + 1 * MS), STATUS_TIMEOUT);
    assert_int_equal(in_routine, 1);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(slow_process_routine, TRUE), STATUS_SUCCESS);
    assert_int_equal(in_routine, 0);
    assert_int_equal(pssim_machine_now(m) - t0, 5 * MS);
    pssim_machine_destroy(m);
}

/* STACK-2/3: a thread's stack limits contain its locals; the remaining size shrinks as it
 * goes deeper; KeExpandKernelStackAndCallout runs the callout, refuses more than
 * MAXIMUM_EXPANSION_SIZE (STATUS_INVALID_PARAMETER_3) and a wait at DISPATCH_LEVEL (_4). */
static ULONG_PTR remaining_outer, remaining_inner, low_limit, high_limit;
static uintptr_t local_address;
static int callout_ran;
static NTSTATUS too_big, at_dispatch;

static VOID callout(PVOID p)
{
    (void)p;
    callout_ran++;
}

static DECLSPEC_NOINLINE void deeper(int depth)
{
    volatile char pad[1024];
    pad[0] = (char)depth;
    if (depth > 0)
        deeper(depth - 1);
    else
        remaining_inner = IoGetRemainingStackSize();
    (void)pad[0];
}

static VOID stack_body(PVOID arg)
{
    (void)arg;
    int local = 0;
    local_address = (uintptr_t)&local;
    IoGetStackLimits(&low_limit, &high_limit);
    remaining_outer = IoGetRemainingStackSize();
    deeper(8);
    KeExpandKernelStackAndCallout(callout, NULL, 4096);
    too_big = KeExpandKernelStackAndCallout(callout, NULL, MAXIMUM_EXPANSION_SIZE + 1);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    at_dispatch = KeExpandKernelStackAndCalloutEx(callout, NULL, 4096, TRUE, NULL);
    KeLowerIrql(old);
}

static void test_kernel_stack(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    callout_ran = 0;
    start(m, stack_body, NULL, 8, 0);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_true(low_limit < local_address && local_address < high_limit);
    assert_true(remaining_inner < remaining_outer); /* (sanitizers may move locals off the stack) */
    assert_int_equal(callout_ran, 1);
    assert_int_equal(too_big, STATUS_INVALID_PARAMETER_3);
    assert_int_equal(at_dispatch, STATUS_INVALID_PARAMETER_4);
    pssim_machine_destroy(m);
}

/* SCHED-3: a thread's base priority is its process's priority class plus its relative level,
 * the whole table; IDLE and TIME_CRITICAL saturate within the class's range. */
static KPRIORITY seen_base;
static VOID record_priority_body(PVOID arg)
{
    (void)arg;
    seen_base = KeQueryPriorityThread(KeGetCurrentThread());
}

static void test_priority_classes(void **state)
{
    (void)state;
    static const uint32_t classes[6] = {
        PSSIM_PRIORITY_CLASS_IDLE,   PSSIM_PRIORITY_CLASS_BELOW_NORMAL,
        PSSIM_PRIORITY_CLASS_NORMAL, PSSIM_PRIORITY_CLASS_ABOVE_NORMAL,
        PSSIM_PRIORITY_CLASS_HIGH,   PSSIM_PRIORITY_CLASS_REALTIME};
    static const int relative[7] = {
        PSSIM_THREAD_PRIORITY_IDLE,         PSSIM_THREAD_PRIORITY_LOWEST,
        PSSIM_THREAD_PRIORITY_BELOW_NORMAL, PSSIM_THREAD_PRIORITY_NORMAL,
        PSSIM_THREAD_PRIORITY_ABOVE_NORMAL, PSSIM_THREAD_PRIORITY_HIGHEST,
        PSSIM_THREAD_PRIORITY_TIME_CRITICAL};
    static const KPRIORITY table[6][7] = {
        {1, 2, 3, 4, 5, 6, 15},    {1, 4, 5, 6, 7, 8, 15},      {1, 6, 7, 8, 9, 10, 15},
        {1, 8, 9, 10, 11, 12, 15}, {1, 11, 12, 13, 14, 15, 15}, {16, 22, 23, 24, 25, 26, 31}};
    pssim_machine *m = machine(1);
    for (int c = 0; c < 6; c++) {
        pssim_process_params pp;
        pssim_process_params_init(&pp);
        pp.image_path = "\\class.exe"; /* its initial (puppet) thread keeps it alive */
        pp.priority_class = classes[c];
        HANDLE pid;
        assert_int_equal(pssim_process_create(m, &pp, &pid, NULL), STATUS_SUCCESS);
        for (int r = 0; r < 7; r++) {
            pssim_thread_params tp;
            pssim_thread_params_init(&tp);
            tp.start = record_priority_body;
            tp.relative_priority = relative[r];
            assert_int_equal(pssim_thread_start(m, pid, &tp, NULL), STATUS_SUCCESS);
            assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
            assert_int_equal(seen_base, table[c][r]);
        }
    }
    pssim_process_params pp;
    pssim_process_params_init(&pp);
    pp.image_path = "\\bad.exe";
    pp.priority_class = 7;
    assert_int_equal(pssim_process_create(m, &pp, NULL, NULL), STATUS_INVALID_PARAMETER);
    pssim_machine_destroy(m);
}

/* ---- kernel-call cost (docs/execution.md): each WDK call from a body owes
 * cfg.kernel_call_cost_ns, paid at the thread's next scheduling point ---- */
typedef struct cost_probe {
    uint64_t after_work, after_delay;
} cost_probe;

static VOID cost_body(PVOID arg)
{
    cost_probe *p = arg;
    for (int i = 0; i < 10; i++)
        (void)KeGetCurrentIrql(); /* ten kernel calls: 1,000 ns owed at 100 ns each */
    pssim_cpu_work(1000);         /* pays 1,000 + computes 1,000 */
    p->after_work = now_ns();     /* one call (owed, read before it is paid) */
    LARGE_INTEGER d;
    d.QuadPart = -10; /* 1 us: the delay call and the read above are paid first (200 ns) */
    KeDelayExecutionThread(KernelMode, FALSE, &d);
    p->after_delay = now_ns();
}

static void test_kernel_call_cost(void **state)
{
    (void)state;
    for (uint64_t cost = 0; cost <= 100; cost += 100) {
        pssim_config cfg;
        pssim_config_init(&cfg);
        assert_int_equal(cfg.kernel_call_cost_ns, 0); /* off by default: exact known answers */
        cfg.backend = test_backend;
        cfg.event_cost_ns = 0;
        cfg.kernel_call_cost_ns = cost;
        pssim_machine *m = NULL;
        assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_SUCCESS);
        cost_probe p = {0, 0};
        uint64_t t0 = pssim_machine_now(m);
        start(m, cost_body, &p, 8, 0);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
        assert_int_equal(p.after_work - t0, 1000 + 10 * cost);
        assert_int_equal(p.after_delay - p.after_work, 2 * cost + 1000);
        pssim_machine_destroy(m);
    }
}

/* ---- regressions of the dispatcher's bookkeeping (each once broke a run) ---- */

static HANDLE exiting_tid;
static uint64_t waiter_woke_at;
static NTSTATUS waiter_status;

static VOID exits_after_work(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(2 * MS);
}

static VOID waits_for_exit(PVOID arg)
{
    (void)arg;
    PETHREAD t = NULL;
    assert_int_equal(PsLookupThreadByThreadId(exiting_tid, &t), STATUS_SUCCESS);
    waiter_status = KeWaitForSingleObject(t, Executive, KernelMode, FALSE, NULL);
    waiter_woke_at = now_ns();
    ObDereferenceObject(t);
    pssim_cpu_work(MS);
}

/* SYSTHREAD-11 / SCHED-2: a thread's exit wakes a higher-priority waiter on its thread object,
 * which takes the processor at once; the exiting thread is gone, not ready. */
static void test_exit_wakes_higher_priority_waiter(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    waiter_woke_at = 0;
    waiter_status = STATUS_PENDING;
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = exits_after_work;
    p.priority = 8;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, &exiting_tid), STATUS_SUCCESS);
    p.start = waits_for_exit;
    p.priority = 12;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
    uint64_t t0 = pssim_machine_now(m);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(waiter_status, STATUS_SUCCESS);
    assert_int_equal(waiter_woke_at - t0, 2 * MS);
    assert_int_equal(pssim_machine_now(m) - t0, 3 * MS);
    pssim_machine_destroy(m);
}

static HANDLE low_tid;
static int order_log[4], order_n;
static pssim_machine *raise_machine;

static VOID low_body(PVOID arg)
{
    (void)arg;
    order_log[order_n++] = 2;
}

static VOID raiser_body(PVOID arg)
{
    int how = *(int *)arg;
    order_log[order_n++] = 1;
    if (how == 0) {
        PETHREAD low = NULL;
        assert_int_equal(PsLookupThreadByThreadId(low_tid, &low), STATUS_SUCCESS);
        KeSetPriorityThread(low, 12); /* now above the caller: it runs at once */
        ObDereferenceObject(low);
    } else {
        pssim_thread_params p;
        pssim_thread_params_init(&p);
        p.start = low_body;
        p.priority = 12;
        assert_int_equal(pssim_thread_start(raise_machine, PSSIM_SYSTEM_PID, &p, NULL),
                         STATUS_SUCCESS);
    }
    order_log[order_n++] = 3;
    KEVENT never;
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, NULL); /* a real wait */
}

/* SCHED-2: a thread the running thread makes outrank it (KeSetPriorityThread on a ready
 * thread, or pssim_thread_start from a body) takes the processor at once; the caller's next
 * wait then really waits (the run ends in a deadlock report, not in success). */
static void test_readied_thread_preempts_caller(void **state)
{
    (void)state;
    for (int how = 0; how <= 1; how++) {
        pssim_machine *m = machine(1);
        raise_machine = m;
        order_n = 0;
        pssim_thread_params p;
        pssim_thread_params_init(&p);
        p.start = raiser_body;
        p.context = &how;
        p.priority = 8;
        assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
        if (how == 0) {
            p.start = low_body;
            p.priority = 4;
            assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, &low_tid), STATUS_SUCCESS);
        }
        assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
        assert_int_equal(order_n, 3);
        assert_int_equal(order_log[0], 1);
        assert_int_equal(order_log[1], 2);
        assert_int_equal(order_log[2], 3);
        pssim_machine_destroy(m);
    }
}

static ULONG cpu_after_lower;

static VOID affinity_at_dispatch(PVOID arg)
{
    (void)arg;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KAFFINITY prev = KeSetSystemAffinityThreadEx(0x2);
    KeLowerIrql(old);
    cpu_after_lower = KeGetCurrentProcessorNumberEx(NULL);
    KeRevertToUserAffinityThreadEx(prev);
}

/* SCHED-8: a system affinity set at DISPATCH_LEVEL that excludes the current processor moves
 * the thread when the IRQL drops. */
static void test_affinity_move_at_irql_drop(void **state)
{
    (void)state;
    pssim_machine *m = machine(2);
    cpu_after_lower = 99;
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = affinity_at_dispatch;
    p.affinity = 0x3;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(cpu_after_lower, 1);
    pssim_machine_destroy(m);
}

/* SCHED-8: a revert to a mask of processors that do not exist changes nothing (like the set);
 * the thread stays where it may run. */
static ULONG cpu_after_revert;
static KAFFINITY affinity_seen;

static VOID bad_revert(PVOID arg)
{
    (void)arg;
    KeSetSystemAffinityThreadEx(0x1);
    KeRevertToUserAffinityThreadEx(0x4); /* processor 2 does not exist on this machine */
    pssim_cpu_work(MS);
    cpu_after_revert = KeGetCurrentProcessorNumberEx(NULL);
    affinity_seen = KeSetSystemAffinityThreadEx(0x2); /* returns the affinity in force */
    KeRevertToUserAffinityThreadEx(0);
}

static void test_revert_to_missing_processors(void **state)
{
    (void)state;
    pssim_machine *m = machine(2);
    cpu_after_revert = 99;
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = bad_revert;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(cpu_after_revert, 0);
    assert_int_equal(affinity_seen, 0x1);
    pssim_machine_destroy(m);
}

/* api-contract config: with timer_resolution_ns, timers (every period of a periodic one) and
 * wait timeouts expire on a multiple of the resolution. */
static uint64_t periodic_at[3], delay_took;

static VOID periodic_body(PVOID arg)
{
    (void)arg;
    KTIMER timer;
    KeInitializeTimerEx(&timer, SynchronizationTimer);
    LARGE_INTEGER due;
    due.QuadPart = -100000; /* 10 ms */
    KeSetTimerEx(&timer, due, 10, NULL);
    for (int i = 0; i < 3; i++) {
        KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, NULL);
        periodic_at[i] = now_ns();
    }
    KeCancelTimer(&timer);
    uint64_t t0 = now_ns();
    LARGE_INTEGER d;
    d.QuadPart = -10000; /* 1 ms */
    KeDelayExecutionThread(KernelMode, FALSE, &d);
    delay_took = now_ns() - t0;
}

static void test_timer_resolution_everywhere(void **state)
{
    (void)state;
    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.backend = test_backend;
    cfg.event_cost_ns = 0;
    cfg.timer_resolution_ns = 15625000; /* 15.625 ms */
    pssim_machine *m = NULL;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_SUCCESS);
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = periodic_body;
    uint64_t t0 = pssim_machine_now(m);
    assert_int_equal(t0, 0);
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(periodic_at[0], 15625000);
    assert_int_equal(periodic_at[1], 31250000); /* 15.625 + 10 = 25.625, rounded up */
    assert_int_equal(periodic_at[2], 46875000);
    assert_int_equal(delay_took, 15625000); /* 46.875 + 1 = 47.875 -> 62.5 */
    pssim_machine_destroy(m);
}

/* SCHED-4 relief: priority 15 lasts one quantum of running; a relieved thread that waits is
 * back at its base priority when it wakes. */
static int relief_seen, relief_after_wait;

static VOID starving_sleeper(PVOID arg)
{
    (void)arg;
    for (int i = 0; i < 3000; i++) {
        pssim_cpu_work(MS);
        if (KeQueryPriorityThread(KeGetCurrentThread()) == 15)
            relief_seen++;
        LARGE_INTEGER d;
        d.QuadPart = -10000; /* 1 ms */
        KeDelayExecutionThread(KernelMode, FALSE, &d);
        if (KeQueryPriorityThread(KeGetCurrentThread()) != 4)
            relief_after_wait++;
    }
}

static VOID hog(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(6000 * MS);
}

static void test_relief_ends_at_wait(void **state)
{
    (void)state;
    pssim_machine *m = machine(1);
    relief_seen = relief_after_wait = 0;
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = hog;
    p.priority = 12;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
    p.start = starving_sleeper;
    p.priority = 4;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_true(relief_seen >= 1);
    assert_int_equal(relief_after_wait, 0);
    pssim_machine_destroy(m);
}

#define DISPATCHER_TESTS                                                                           \
    cmocka_unit_test(test_equal_threads_1_vs_4_cpus), cmocka_unit_test(test_preemption),           \
        cmocka_unit_test(test_affinity), cmocka_unit_test(test_event_wakes_waiter),                \
        cmocka_unit_test(test_wait_timeout), cmocka_unit_test(test_deadlock_report),               \
        cmocka_unit_test(test_run_until), cmocka_unit_test(test_system_thread_from_driver),        \
        cmocka_unit_test(test_terminate_system_thread), cmocka_unit_test(test_bugcheck_in_thread), \
        cmocka_unit_test(test_determinism), cmocka_unit_test(test_execution_bad_input),            \
        cmocka_unit_test(test_boost_and_decay), cmocka_unit_test(test_starvation_relief),          \
        cmocka_unit_test(test_set_priority), cmocka_unit_test(test_system_affinity),               \
        cmocka_unit_test(test_concurrent_routines_and_rundown),                                    \
        cmocka_unit_test(test_kernel_stack), cmocka_unit_test(test_priority_classes),              \
        cmocka_unit_test(test_kernel_call_cost),                                                   \
        cmocka_unit_test(test_exit_wakes_higher_priority_waiter),                                  \
        cmocka_unit_test(test_readied_thread_preempts_caller),                                     \
        cmocka_unit_test(test_affinity_move_at_irql_drop),                                         \
        cmocka_unit_test(test_revert_to_missing_processors),                                       \
        cmocka_unit_test(test_timer_resolution_everywhere),                                        \
        cmocka_unit_test(test_relief_ends_at_wait)

int main(void)
{
    const struct CMUnitTest tests[] = {DISPATCHER_TESTS};
    return TEST_RUN_ON_BOTH_BACKENDS(tests);
}
