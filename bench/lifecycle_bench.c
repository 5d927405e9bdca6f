/* lifecycle_bench.c: how fast pssim runs a process lifecycle and how much memory a live process
 * or thread costs, next to the targets the simulator is held to.
 *
 *   (a) simulated lifecycles per second: pssim_process_create (Win32, initial thread) then
 *       pssim_process_terminate, with one plain process, one plain thread and one image notify
 *       routine registered;
 *   (b) the host baseline: fork() + _exit(0) in the child + waitpid() per lifecycle, and the
 *       ratio (a) / (b);
 *   (c) bytes allocated per live process (with its initial thread) and per extra live thread,
 *       read from the library's allocator.
 *
 * This is a measurement, not a test: it exits 0 whether or not a target is met. It exits 1 only
 * when the simulator misbehaves (a call fails, a routine runs the wrong number of times).
 * `--quick` uses tiny counts (CTest's smoke run); its figures are printed but not judged.
 *
 * (c) reads pssim__alloc_bytes_in_use(), an INTERNAL counter of src/core/alloc.h, not part of
 * the public API: the bench is built inside the project and links the static library. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pssim/pssim.h>

#include "bench_report.h"

#include "core/alloc.h" /* internal: pssim__alloc_bytes_in_use */

/* ---- targets (from the issue) ---- */
#define TARGET_LIFECYCLES_PER_S 1000000.0
#define TARGET_RATIO_TO_FORK 500.0
#define TARGET_BYTES_PER_PROCESS 1024.0
#define TARGET_BYTES_PER_THREAD 512.0

/* A realistic NT path; no command line. Both shape the per-process bytes (the name is kept as
 * a UNICODE_STRING, and WCHAR is 4 bytes on Linux). */
#define IMAGE_PATH "\\Device\\HarddiskVolume3\\Windows\\System32\\notepad.exe"

typedef struct bench_sizes {
    uint64_t warmup;         /* simulated lifecycles before timing */
    uint64_t max_lifecycles; /* timed simulated lifecycles, at most */
    double max_seconds;      /* ... or this long, whichever comes first */
    uint64_t fork_warmup;
    uint64_t fork_iterations;
    uint64_t live_objects; /* N for the memory figures */
} bench_sizes;

static const bench_sizes full_sizes = {20000, 2000000, 2.0, 20, 2000, 10000};
static const bench_sizes quick_sizes = {100, 2000, 0.2, 2, 20, 200};

/* ---- trivial notify routines ---- */

static uint64_t process_calls, thread_calls, image_calls;

static void on_process(HANDLE parent_id, HANDLE process_id, BOOLEAN create)
{
    (void)parent_id;
    (void)process_id;
    (void)create;
    process_calls++;
}

static void on_thread(HANDLE process_id, HANDLE thread_id, BOOLEAN create)
{
    (void)process_id;
    (void)thread_id;
    (void)create;
    thread_calls++;
}

static void on_image(PUNICODE_STRING name, HANDLE process_id, PIMAGE_INFO info)
{
    (void)name;
    (void)process_id;
    (void)info;
    image_calls++;
}

/* ---- helpers ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const char *what, NTSTATUS st)
{
    fprintf(stderr, "bench_lifecycle: %s failed: %s\n", what, pssim_status_name(st));
    exit(1);
}

static void check(NTSTATUS st, const char *what)
{
    if (st != STATUS_SUCCESS)
        fail(what, st);
}

/* verifier: the action of every verifier rule (PSSIM_VERIFIER_OFF, or _WARN = every rule on). */
static pssim_machine *new_machine_with_routines(int verifier)
{
    pssim_config cfg;
    pssim_config_init(&cfg);
    for (int r = 0; r < PSSIM_VERIFIER_RULE_COUNT; r++)
        cfg.verifier[r] = (uint8_t)verifier;
    pssim_machine *m = NULL;
    check(pssim_machine_create(&cfg, &m), "pssim_machine_create");
    check(PsSetCreateProcessNotifyRoutine(on_process, FALSE), "PsSetCreateProcessNotifyRoutine");
    check(PsSetCreateThreadNotifyRoutine(on_thread), "PsSetCreateThreadNotifyRoutine");
    check(PsSetLoadImageNotifyRoutine(on_image), "PsSetLoadImageNotifyRoutine");
    return m;
}

static void remove_routines(void)
{
    check(PsSetCreateProcessNotifyRoutine(on_process, TRUE), "removing the process routine");
    check(PsRemoveCreateThreadNotifyRoutine(on_thread), "removing the thread routine");
    check(PsRemoveLoadImageNotifyRoutine(on_image), "removing the image routine");
}

static void run_lifecycles(pssim_machine *m, const pssim_process_params *params, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        HANDLE pid;
        check(pssim_process_create(m, params, &pid, NULL), "pssim_process_create");
        check(pssim_process_terminate(m, pid, STATUS_SUCCESS), "pssim_process_terminate");
    }
}

/* ---- (a) simulated lifecycles ---- */

static double bench_simulated(const bench_sizes *sz, int verifier)
{
    pssim_machine *m = new_machine_with_routines(verifier);
    pssim_process_params params;
    pssim_process_params_init(&params);
    params.image_path = IMAGE_PATH;

    uint32_t base_processes, base_threads;
    check(pssim_machine_object_count(m, &base_processes, &base_threads), "object count");

    process_calls = thread_calls = image_calls = 0;
    run_lifecycles(m, &params, sz->warmup);

    uint64_t done = 0;
    double start = now_s(), elapsed = 0;
    while (done < sz->max_lifecycles) {
        uint64_t batch = sz->max_lifecycles - done < 1024 ? sz->max_lifecycles - done : 1024;
        run_lifecycles(m, &params, batch);
        done += batch;
        elapsed = now_s() - start;
        if (elapsed >= sz->max_seconds)
            break;
    }
    double rate = (double)done / elapsed;

    /* Every lifecycle: process create + exit, thread create + exit, EXE + ntdll image loads. */
    uint64_t total = sz->warmup + done;
    printf("(a) simulated lifecycle (create Win32 process with its initial thread, terminate), "
           "3 routines registered, every verifier rule %s\n",
           verifier == PSSIM_VERIFIER_OFF ? "off" : "on");
    printf("    %llu lifecycles in %.3f s (after %llu warm-up)\n", (unsigned long long)done,
           elapsed, (unsigned long long)sz->warmup);
    printf("    routine calls: process %llu, thread %llu, image %llu; expected %llu each "
           "(2 per lifecycle): %s\n",
           (unsigned long long)process_calls, (unsigned long long)thread_calls,
           (unsigned long long)image_calls, (unsigned long long)(2 * total),
           process_calls == 2 * total && thread_calls == 2 * total && image_calls == 2 * total
               ? "ok"
               : "WRONG");
    if (process_calls != 2 * total || thread_calls != 2 * total || image_calls != 2 * total) {
        fprintf(stderr, "bench_lifecycle: the notify routines did not run as often as expected\n");
        exit(1);
    }
    uint32_t processes, threads;
    check(pssim_machine_object_count(m, &processes, &threads), "object count");
    if (processes != base_processes || threads != base_threads) {
        fprintf(stderr, "bench_lifecycle: %u processes / %u threads left alive (expected %u/%u)\n",
                processes, threads, base_processes, base_threads);
        exit(1);
    }
    remove_routines();
    pssim_machine_destroy(m);
    return rate;
}

/* ---- (b) the host: fork + _exit + waitpid ---- */

static void fork_once(void)
{
    pid_t child = fork();
    if (child < 0) {
        perror("bench_lifecycle: fork");
        exit(1);
    }
    if (child == 0)
        _exit(0);
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_lifecycle: waitpid failed or the child did not exit 0\n");
        exit(1);
    }
}

static double bench_fork(const bench_sizes *sz)
{
    fflush(NULL); /* no buffered output duplicated into the children */
    for (uint64_t i = 0; i < sz->fork_warmup; i++)
        fork_once();
    double start = now_s();
    for (uint64_t i = 0; i < sz->fork_iterations; i++)
        fork_once();
    double elapsed = now_s() - start;
    double rate = (double)sz->fork_iterations / elapsed;
    printf("(b) host baseline: fork() + _exit(0) + waitpid()\n");
    printf("    %llu lifecycles in %.3f s: %.0f lifecycles/s\n",
           (unsigned long long)sz->fork_iterations, elapsed, rate);
    return rate;
}

/* ---- (c) bytes per live process and per live thread ---- */

static void bench_memory(const bench_sizes *sz, double *per_process, double *per_thread)
{
    uint64_t before_machine = pssim__alloc_bytes_in_use();
    pssim_machine *m = new_machine_with_routines(PSSIM_VERIFIER_DEFAULT);
    pssim_process_params params;
    pssim_process_params_init(&params);
    params.image_path = IMAGE_PATH;
    /* Warm up so that one-time allocations (the shared ntdll name, the quarantine ring of freed
     * objects, which image notifications fill with file objects) are not billed to processes. */
    run_lifecycles(m, &params, 256);

    uint64_t n = sz->live_objects;
    HANDLE *pids = calloc(n, sizeof(HANDLE));
    if (!pids) {
        fprintf(stderr, "bench_lifecycle: out of memory\n");
        exit(1);
    }
    uint64_t before = pssim__alloc_bytes_in_use();
    uint64_t allocs_before = pssim__alloc_count();
    for (uint64_t i = 0; i < n; i++)
        check(pssim_process_create(m, &params, &pids[i], NULL), "pssim_process_create");
    uint64_t after = pssim__alloc_bytes_in_use();
    uint64_t allocs = pssim__alloc_count() - allocs_before;
    *per_process = (double)(after - before) / (double)n;

    uint64_t before_threads = pssim__alloc_bytes_in_use();
    for (uint64_t i = 0; i < n; i++)
        check(pssim_thread_create(m, pids[0], NULL), "pssim_thread_create");
    uint64_t after_threads = pssim__alloc_bytes_in_use();
    *per_thread = (double)(after_threads - before_threads) / (double)n;

    uint32_t processes, threads;
    check(pssim_machine_object_count(m, &processes, &threads), "object count");
    printf("(c) memory through the library allocator (requested bytes, headers excluded)\n");
    printf("    %llu live processes with their initial threads: %llu bytes, %.1f bytes/process "
           "(%.1f allocation calls/process)\n",
           (unsigned long long)n, (unsigned long long)(after - before), *per_process,
           (double)allocs / (double)n);
    printf("    %llu extra live threads in one process: %llu bytes, %.1f bytes/thread\n",
           (unsigned long long)n, (unsigned long long)(after_threads - before_threads),
           *per_thread);
    printf("    machine holds %u processes, %u threads\n", processes, threads);

    for (uint64_t i = 0; i < n; i++)
        check(pssim_process_terminate(m, pids[i], STATUS_SUCCESS), "pssim_process_terminate");
    free(pids);
    remove_routines();
    pssim_machine_destroy(m);
    uint64_t left = pssim__alloc_bytes_in_use() - before_machine;
    printf("    after pssim_machine_destroy: %llu bytes still in use%s\n", (unsigned long long)left,
           left ? " (LEAK)" : "");
}

int main(int argc, char **argv)
{
    bool quick = bench_start(argc, argv);
    const bench_sizes *sz = quick ? &quick_sizes : &full_sizes;

    double sim = bench_simulated(sz, PSSIM_VERIFIER_WARN);
    double sim_off = bench_simulated(sz, PSSIM_VERIFIER_OFF);
    double host = bench_fork(sz);
    double per_process, per_thread;
    bench_memory(sz, &per_process, &per_thread);

    double ratio = sim / host;
    printf("\nresults                                    figure        target\n");
    printf("  simulated lifecycles/s           %14.0f   >= %9.0f  %s\n", sim,
           TARGET_LIFECYCLES_PER_S, verdict(sim >= TARGET_LIFECYCLES_PER_S, quick));
    printf("  ratio simulated / fork loop      %14.1f   >= %9.0f  %s\n", ratio,
           TARGET_RATIO_TO_FORK, verdict(ratio >= TARGET_RATIO_TO_FORK, quick));
    printf("  bytes per live process           %14.1f   <= %9.0f  %s\n", per_process,
           TARGET_BYTES_PER_PROCESS, verdict(per_process <= TARGET_BYTES_PER_PROCESS, quick));
    printf("  bytes per live thread            %14.1f   <= %9.0f  %s\n", per_thread,
           TARGET_BYTES_PER_THREAD, verdict(per_thread <= TARGET_BYTES_PER_THREAD, quick));
    printf("  verifier all on: slowdown vs off %8.2fx   <= %9.0fx  %s\n", sim_off / sim, 2.0,
           verdict(sim_off / sim <= 2.0, quick));
    printf("  (fork loop: %.0f lifecycles/s; verifier off: %.0f lifecycles/s)\n", host, sim_off);
    return 0;
}
