/* dispatcher_bench.c: the dispatcher's costs: decision cost with 10 vs 10,000 ready threads,
 * 100,000 live threads with bodies in one machine, and one virtual hour of 100 threads on 8
 * processors. A measurement, never a test: it prints figures and exits 0 unless the simulator
 * misbehaves. `--quick` shrinks everything (CTest smoke run; figures not judged). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <pssim/pssim.h>

#include "bench_report.h"
#include "core/alloc.h"

static double wall(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pssim_machine *machine(uint32_t cpus)
{
    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.cpu_count = cpus;
    cfg.event_cost_ns = 0;
    pssim_machine *m = NULL;
    if (pssim_machine_create(&cfg, &m) != STATUS_SUCCESS) {
        fprintf(stderr, "machine creation failed\n");
        return NULL;
    }
    return m;
}

static int start(pssim_machine *m, PKSTART_ROUTINE body, void *ctx, size_t stack)
{
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = body;
    p.context = ctx;
    p.stack_size = stack;
    return pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL) == STATUS_SUCCESS;
}

/* ---- (a) decision cost: every thread computes `quanta` quanta in one piece of work, so every
 * quantum end is a round-robin decision among all the ready threads that switches no stack:
 * the figure is the dispatcher's own cost ---- */
static int quanta_each;
static VOID quantum_body(PVOID arg)
{
    (void)arg;
    pssim_cpu_work((uint64_t)quanta_each * 31250000ULL);
}

static double ns_per_decision(int threads, int quanta)
{
    pssim_machine *m = machine(1);
    if (!m)
        return -1;
    quanta_each = quanta;
    for (int i = 0; i < threads; i++)
        if (!start(m, quantum_body, NULL, 16384))
            return -1;
    double t0 = wall();
    NTSTATUS st = pssim_machine_run(m, 0);
    double t1 = wall();
    pssim_machine_destroy(m);
    if (st != STATUS_SUCCESS)
        return -1;
    return (t1 - t0) * 1e9 / ((double)threads * quanta);
}

/* ---- (b) many live threads ---- */
static VOID tiny_body(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(1000000);
}

/* ---- (c) a virtual hour ---- */
static uint64_t horizon_ns;
static VOID hour_body(PVOID arg)
{
    (void)arg;
    while (KeQueryInterruptTime() * 100 < horizon_ns)
        pssim_cpu_work(10000000); /* 10 ms at a time */
}

int main(int argc, char **argv)
{
    bool quick = bench_start(argc, argv);
    printf("pssim %s dispatcher bench\n", pssim_version());

    int small = 10, big = quick ? 200 : 10000;
    int q_small = 50, q_big = 50; /* the same per thread: setup and exit amortize alike */
    double a = ns_per_decision(small, q_small);
    double b = ns_per_decision(big, q_big);
    if (a < 0 || b < 0) {
        fprintf(stderr, "decision-cost run failed\n");
        return 1;
    }
    double ratio = b / a;
    printf("(a) wall time per scheduling decision (a quantum end: round robin among all the ready "
           "threads), 1 processor\n");
    printf("    %6d ready threads: %8.1f ns\n", small, a);
    printf("    %6d ready threads: %8.1f ns   ratio %.2fx   goal <= 1.5x: %s\n", big, b, ratio,
           quick          ? "not judged"
           : ratio <= 1.5 ? "met"
                          : "not met");

    int many = quick ? 2000 : 100000;
    pssim_machine *m = machine(8);
    if (!m)
        return 1;
    uint64_t bytes0 = pssim__alloc_bytes_in_use();
    double t0 = wall();
    for (int i = 0; i < many; i++)
        if (!start(m, tiny_body, NULL, 16384)) {
            /* Every stack is two mappings (the stack and its guard); Linux allows 65,530 per
             * process by default. */
            fprintf(stderr,
                    "thread %d could not start: raise vm.max_map_count (e.g. sysctl -w "
                    "vm.max_map_count=262144); each stack takes two memory mappings\n",
                    i);
            return 1;
        }
    uint64_t bytes1 = pssim__alloc_bytes_in_use();
    uint32_t procs = 0, threads = 0;
    pssim_machine_object_count(m, &procs, &threads);
    NTSTATUS st = pssim_machine_run(m, 0);
    double t1 = wall();
    printf("(b) %d live threads with bodies (16 KiB stacks) on 8 processors: %s\n", many,
           st == STATUS_SUCCESS ? "ran to completion" : pssim_status_name(st));
    printf("    %u threads alive before the run; %.0f bytes of simulator memory per thread "
           "(stacks are mapped separately); %.2f s wall for create + run\n",
           threads, (double)(bytes1 - bytes0) / many, t1 - t0);
    pssim_machine_destroy(m);
    if (st != STATUS_SUCCESS)
        return 1;

    horizon_ns = quick ? 10000000000ULL : 3600000000000ULL;
    m = machine(8);
    if (!m)
        return 1;
    for (int i = 0; i < 100; i++)
        if (!start(m, hour_body, NULL, 16384))
            return 1;
    t0 = wall();
    st = pssim_machine_run(m, 0);
    t1 = wall();
    uint64_t reached = pssim_machine_now(m);
    printf("(c) %s of 100 threads on 8 processors (10 ms work steps): %.2f s wall   goal < 1 s: "
           "%s\n",
           quick ? "10 virtual seconds" : "one virtual hour", t1 - t0,
           quick             ? "not judged"
           : (t1 - t0) < 1.0 ? "met"
                             : "not met");
    printf("    virtual time reached: %.1f s\n", (double)reached / 1e9);
    pssim_machine_destroy(m);
    return st == STATUS_SUCCESS ? 0 : 1;
}
