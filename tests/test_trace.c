/* test_trace.c: the event stream: context switches at known times, determinism of whole traces
 * across runs, seeds and backends, and the text and Chrome JSON writers. */
#include "support.h"

#include <stdlib.h>

REC_DEFINE_STORAGE;

#define MS 1000000ULL

static pssim_machine *machine(uint32_t cpus, int backend)
{
    pssim_machine *m = new_timed_machine(cpus, backend);
    assert_int_equal(pssim_trace_enable(m, true, 0), STATUS_SUCCESS);
    return m;
}

static VOID work_40ms(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(40 * MS);
}

/* SCHED-2/-7 in the trace: two equal threads on one processor: T1 runs from 0, T2 takes over at
 * the first quantum end (31.25 ms), T1 again at 62.5 ms, T2 again when T1 exits (71.25 ms). */
static void test_switches_at_quantum_ends(void **state)
{
    (void)state;
    pssim_machine *m = machine(1, test_default_backend());
    uint64_t t0 = pssim_machine_now(m);
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = work_40ms;
    HANDLE t1, t2;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, &t1), STATUS_SUCCESS);
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, &t2), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    uint64_t expect_time[] = {0, 31250000, 62500000, 71250000};
    HANDLE expect_tid[] = {t1, t2, t1, t2};
    int k = 0;
    for (uint64_t i = 0; i < pssim_trace_count(m); i++) {
        pssim_trace_event e;
        assert_int_equal(pssim_trace_get(m, i, &e), STATUS_SUCCESS);
        if (e.kind != PSSIM_TRACE_SWITCH)
            continue;
        assert_true(k < 4);
        assert_int_equal(e.time_ns - t0, expect_time[k]);
        assert_int_equal(e.tid, (uint64_t)(uintptr_t)expect_tid[k]);
        k++;
    }
    assert_int_equal(k, 4);
    pssim_trace_event e;
    assert_int_equal(pssim_trace_get(m, pssim_trace_count(m), &e), STATUS_INVALID_PARAMETER);
    pssim_machine_destroy(m);
}

/* ---- a seeded scenario: workers that compute, wait on a shared event, delay and signal ---- */
typedef struct scenario {
    KEVENT go;
    KSEMAPHORE slots;
    uint64_t seed;
} scenario;

static scenario sc;

static uint64_t next_rand(uint64_t *s)
{
    /* splitmix64: a fixed, documented mixing function, so a seed names one scenario */
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static VOID scenario_body(PVOID arg)
{
    uint64_t s = (uint64_t)(uintptr_t)arg;
    for (int step = 0; step < 4; step++) {
        uint64_t r = next_rand(&s);
        switch (r % 4) {
        case 0:
            pssim_cpu_work((r >> 8) % (3 * MS) + 1000);
            break;
        case 1: {
            LARGE_INTEGER d;
            d.QuadPart = -(LONGLONG)((r >> 8) % 20000 + 1);
            KeDelayExecutionThread(KernelMode, FALSE, &d);
            break;
        }
        case 2:
            KeWaitForSingleObject(&sc.slots, Executive, KernelMode, FALSE, NULL);
            pssim_cpu_work((r >> 8) % MS + 1000);
            KeReleaseSemaphore(&sc.slots, IO_NO_INCREMENT, 1, FALSE);
            break;
        default:
            KeSetEvent(&sc.go, IO_NO_INCREMENT, FALSE);
            KeWaitForSingleObject(&sc.go, Executive, KernelMode, FALSE, NULL);
        }
    }
}

/* Runs the scenario of `seed` and returns its trace as text (caller frees). */
static char *run_scenario(uint64_t seed, int backend)
{
    uint64_t s = seed;
    uint32_t cpus = (uint32_t)(next_rand(&s) % 4) + 1;
    pssim_machine *m = machine(cpus, backend);
    KeInitializeEvent(&sc.go, SynchronizationEvent, FALSE);
    KeInitializeSemaphore(&sc.slots, 2, 2);
    int threads = (int)(next_rand(&s) % 5) + 2;
    for (int i = 0; i < threads; i++) {
        pssim_thread_params p;
        pssim_thread_params_init(&p);
        p.start = scenario_body;
        p.context = (PVOID)(uintptr_t)next_rand(&s);
        p.priority = (KPRIORITY)(next_rand(&s) % 4 + 7);
        assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
    }
    NTSTATUS st = pssim_machine_run(m, 0);
    if (st == STATUS_POSSIBLE_DEADLOCK) {
        /* A last waiter on the synchronization event: wake it and finish. */
        for (int i = 0; i < threads && st == STATUS_POSSIBLE_DEADLOCK; i++) {
            KeSetEvent(&sc.go, IO_NO_INCREMENT, FALSE);
            st = pssim_machine_run(m, 0);
        }
    }
    assert_int_equal(st, STATUS_SUCCESS);
    size_t n = pssim_trace_format_text(m, NULL, 0);
    char *text = malloc(n + 1);
    assert_non_null(text);
    assert_int_equal(pssim_trace_format_text(m, text, n + 1), n);
    pssim_machine_destroy(m);
    return text;
}

/* Determinism (api-contract "Execution"): 1,000 seeded scenarios give byte-identical traces
 * when run twice, and the same trace on the OS-threads backend as on fibers. */
static void test_traces_identical_across_runs_and_backends(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 1000; seed++) {
        if (PSSIM_TEST_UNDER_TSAN && seed % 10 != 0)
            continue; /* under TSan: the OS-threads backend only, on every tenth seed */
        char *a = run_scenario(seed, test_default_backend());
        char *b = run_scenario(seed, test_default_backend());
        assert_string_equal(a, b);
        if (seed % 10 == 0) { /* every tenth seed on the (slower) OS-threads backend too */
            char *c = run_scenario(seed, PSSIM_BACKEND_THREADS);
            assert_string_equal(a, c);
            free(c);
        }
        assert_true(strlen(a) > 0);
        free(a);
        free(b);
    }
}

/* The Chrome trace JSON: one B/E slice per stretch a thread runs on a processor. */
static void test_chrome_json(void **state)
{
    (void)state;
    pssim_machine *m = machine(2, test_default_backend());
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = work_40ms;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    const char *path = "test_trace_chrome.json"; /* in the test's working directory */
    assert_int_equal(pssim_trace_write_chrome_json(m, path), STATUS_SUCCESS);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    remove(path);
    assert_non_null(strstr(buf, "{\"traceEvents\":["));
    int begins = 0, ends = 0;
    for (const char *c = buf; (c = strstr(c, "\"ph\":\"")) != NULL; c += 6) {
        begins += c[6] == 'B';
        ends += c[6] == 'E';
    }
    assert_int_equal(begins, 2); /* each thread ran once, on its own processor */
    assert_int_equal(ends, 2);
    assert_int_equal(pssim_trace_write_chrome_json(m, NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_trace_enable(NULL, true, 0), STATUS_INVALID_PARAMETER);
    assert_string_equal(pssim_trace_kind_name(999), "unknown");
    assert_string_equal(pssim_trace_kind_name(PSSIM_TRACE_SWITCH), "switch");
    pssim_machine_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_switches_at_quantum_ends),
        cmocka_unit_test(test_traces_identical_across_runs_and_backends),
        cmocka_unit_test(test_chrome_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
