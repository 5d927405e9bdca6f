/* consumer_execution_test.c: threads that run, written against the published contract only
 * (api-contract.md "Execution", ps-semantics 5.4 / 7 / 8) and built against the INSTALLED
 * package: system threads from a driver, events, delays, N-processor timing and determinism by
 * seed, on both backends. Nothing here includes pssim's private headers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <pssim/pssim.h> /* the control API; it brings the WDK headers (ntddk.h) */

#define MS 1000000ULL

static int backend = PSSIM_BACKEND_FIBERS;

static pssim_machine *new_machine(uint32_t cpus, uint64_t seed)
{
    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.cpu_count = cpus;
    cfg.seed = seed;
    cfg.backend = backend;
    cfg.event_cost_ns = 0; /* Ps events cost no time: exact known answers */
    pssim_machine *m = NULL;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_SUCCESS);
    return m;
}

/* ---- a driver with a system thread that waits for an event, then delays ---- */

static KEVENT go;
static HANDLE worker_handle;
static uint64_t worker_woke_ns, worker_done_ns;

static VOID worker_thread(PVOID ctx)
{
    (void)ctx;
    KeWaitForSingleObject(&go, Executive, KernelMode, FALSE, NULL);
    worker_woke_ns = (uint64_t)KeQueryInterruptTime() * 100;
    LARGE_INTEGER delay;
    delay.QuadPart = -5 * 10000; /* 5 ms, relative */
    KeDelayExecutionThread(KernelMode, FALSE, &delay);
    worker_done_ns = (uint64_t)KeQueryInterruptTime() * 100;
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static VOID driver_unload(PDRIVER_OBJECT d)
{
    (void)d;
    /* Wait for the thread object: signaled once the thread has terminated (SYSTHREAD-11). */
    PVOID thread = NULL;
    if (NT_SUCCESS(ObReferenceObjectByHandle(worker_handle, SYNCHRONIZE, NULL, KernelMode, &thread,
                                             NULL))) {
        KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, NULL);
        ObDereferenceObject(thread);
    }
    ZwClose(worker_handle);
}

static NTSTATUS driver_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = driver_unload;
    KeInitializeEvent(&go, NotificationEvent, FALSE);
    return PsCreateSystemThread(&worker_handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, worker_thread,
                                NULL);
}

static void test_system_thread_event_delay(void **state)
{
    (void)state;
    pssim_machine *m = new_machine(2, 0);
    PDRIVER_OBJECT d = NULL;
    worker_woke_ns = worker_done_ns = 0;
    assert_int_equal(pssim_driver_load(m, driver_entry, "cons", 0, &d), STATUS_SUCCESS);
    /* Nothing sets the event: the run reports a deadlock naming the waiting thread. */
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
    assert_true(strlen(pssim_machine_report(m)) > 0);
    uint64_t t0 = pssim_machine_now(m);
    pssim_cpu_work(3 * MS); /* the host computing: time passes */
    assert_int_equal(pssim_machine_now(m) - t0, 3 * MS);
    KeSetEvent(&go, IO_NO_INCREMENT, FALSE);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(worker_woke_ns, t0 + 3 * MS);
    assert_int_equal(worker_done_ns, t0 + 8 * MS);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);
}

/* ---- N processors: four equal threads of 100 ms each ---- */

static uint64_t finished[4];

static VOID compute(PVOID ctx)
{
    pssim_cpu_work(100 * MS);
    finished[(uintptr_t)ctx] = (uint64_t)KeQueryInterruptTime() * 100;
}

static void run_four(uint32_t cpus, uint64_t out[4])
{
    pssim_machine *m = new_machine(cpus, 0);
    uint64_t t0 = pssim_machine_now(m);
    for (uintptr_t i = 0; i < 4; i++) {
        pssim_thread_params p;
        pssim_thread_params_init(&p);
        p.start = compute;
        p.context = (PVOID)i;
        assert_int_equal(pssim_thread_start(m, pssim_host_pid(m), &p, NULL), STATUS_SUCCESS);
    }
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    for (int i = 0; i < 4; i++)
        out[i] = finished[i] - t0;
    pssim_machine_destroy(m);
}

static void test_processor_count_timing(void **state)
{
    (void)state;
    uint64_t one[4], four[4];
    run_four(4, four);
    for (int i = 0; i < 4; i++)
        assert_int_equal(four[i], 100 * MS); /* in parallel */
    run_four(1, one);
    /* One processor, 31.25 ms quanta (SCHED-7), round robin in start order: three full
     * rounds take 375 ms, each thread then has 6.25 ms left. */
    const uint64_t expect[4] = {381250000ULL, 387500000ULL, 393750000ULL, 400000000ULL};
    for (int i = 0; i < 4; i++)
        assert_int_equal(one[i], expect[i]);
}

/* ---- determinism: the same config and seed give the same trace ---- */

static VOID chatty(PVOID ctx)
{
    PKEVENT e = ctx;
    for (int i = 0; i < 5; i++) {
        pssim_cpu_work((uint64_t)(i + 1) * 700000);
        KeSetEvent(e, 1, FALSE);
        LARGE_INTEGER d;
        d.QuadPart = -3000;
        KeDelayExecutionThread(KernelMode, FALSE, &d);
    }
}

static char *traced_run(uint64_t seed)
{
    pssim_machine *m = new_machine(3, seed);
    assert_int_equal(pssim_trace_enable(m, true, 0), STATUS_SUCCESS);
    static KEVENT e;
    KeInitializeEvent(&e, SynchronizationEvent, FALSE);
    for (int i = 0; i < 6; i++) {
        pssim_thread_params p;
        pssim_thread_params_init(&p);
        p.start = chatty;
        p.context = &e;
        p.priority = (KPRIORITY)(6 + i % 3);
        assert_int_equal(pssim_thread_start(m, pssim_host_pid(m), &p, NULL), STATUS_SUCCESS);
    }
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    size_t n = pssim_trace_format_text(m, NULL, 0);
    char *text = malloc(n + 1);
    assert_non_null(text);
    pssim_trace_format_text(m, text, n + 1);
    pssim_machine_destroy(m);
    return text;
}

static void test_determinism_by_seed(void **state)
{
    (void)state;
    char *a = traced_run(42);
    char *b = traced_run(42);
    assert_true(strlen(a) > 0);
    assert_string_equal(a, b);
    int was = backend;
    backend = was == PSSIM_BACKEND_FIBERS ? PSSIM_BACKEND_THREADS : PSSIM_BACKEND_FIBERS;
    char *c = traced_run(42);
    backend = was;
    assert_string_equal(a, c); /* the other backend, byte for byte */
    free(a);
    free(b);
    free(c);
}

static int use_threads(void **state)
{
    (void)state;
    backend = PSSIM_BACKEND_THREADS;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_system_thread_event_delay),
        cmocka_unit_test(test_processor_count_timing),
        cmocka_unit_test(test_determinism_by_seed),
    };
    int failed = cmocka_run_group_tests_name("fibers", tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("threads", tests, use_threads, NULL);
    return failed;
}
