/* lesson.h: what the scheduler lessons share: a traced machine, the trace printed for the
 * student, the schedule the lesson predicts compared with the one the trace shows, the checks
 * made at every context switch, and the determinism check (the same trace on both backends).
 *
 * Only the public API is used (pssim.h and the WDK headers), so each lesson is also a small
 * example of how a test drives the simulator. Every helper is `static inline` so a lesson that
 * does not use one gets no unused-function warning. See docs/scheduler.md. */
#ifndef PSSIM_SCHEDULER_LESSON_H
#define PSSIM_SCHEDULER_LESSON_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pssim/pssim.h>

#define MS 1000000ULL /* one millisecond of virtual time, in ns */

/* The lessons set every config field they rely on, even where it is the default. */
#define LESSON_SEED 2026

/* ---- failures: the exit status counts them ---- */

static int lesson_failures;

static inline void lesson_expect(bool ok, const char *fmt, ...)
{
    if (ok)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    lesson_failures++;
}

/* The program's exit status: 0 when every expectation held. */
static inline int lesson_finish(const char *lesson)
{
    if (lesson_failures)
        printf("\n%s: %d expectation(s) failed\n", lesson, lesson_failures);
    else
        printf("\n%s: the trace shows what the lesson claims\n", lesson);
    return lesson_failures ? 1 : 0;
}

/* ---- names for thread IDs, so output says "A" rather than "TID 20" ---- */

#define LESSON_MAX_NAMES 16

static struct {
    uint64_t tid;
    const char *name;
} lesson_names[LESSON_MAX_NAMES];
static int lesson_name_count;

static inline void lesson_name(HANDLE tid, const char *name)
{
    uint64_t id = (uint64_t)(uintptr_t)tid;
    for (int i = 0; i < lesson_name_count; i++) {
        if (lesson_names[i].tid == id) {
            lesson_names[i].name = name;
            return;
        }
    }
    if (lesson_name_count < LESSON_MAX_NAMES) {
        lesson_names[lesson_name_count].tid = id;
        lesson_names[lesson_name_count].name = name;
        lesson_name_count++;
    }
}

static inline const char *lesson_name_of(uint64_t tid)
{
    for (int i = 0; i < lesson_name_count; i++)
        if (lesson_names[i].tid == tid)
            return lesson_names[i].name;
    return "?";
}

/* ---- the machine ---- */

static inline const char *lesson_backend_name(int backend)
{
    return backend == PSSIM_BACKEND_THREADS ? "OS threads" : "fibers";
}

/* A traced machine with `cpus` processors and the given quantum. Ps events and kernel calls cost
 * no virtual time, so every time in the trace comes from the threads' work, their timers and the
 * scheduler alone. */
static inline pssim_machine *lesson_machine(uint32_t cpus, uint64_t quantum_ns, int backend)
{
    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.cpu_count = cpus;
    cfg.quantum_ns = quantum_ns;
    cfg.backend = backend;
    cfg.seed = LESSON_SEED;
    cfg.event_cost_ns = 0;       /* creating and ending threads takes no virtual time */
    cfg.kernel_call_cost_ns = 0; /* nor do WDK calls such as KeDelayExecutionThread */
    cfg.timer_resolution_ns = 0; /* timers expire at their exact due time */
    pssim_machine *m = NULL;
    NTSTATUS st = pssim_machine_create(&cfg, &m);
    if (st == STATUS_SUCCESS)
        st = pssim_trace_enable(m, true, 0);
    if (st != STATUS_SUCCESS) {
        printf("cannot create a traced machine: %s\n", pssim_status_name(st));
        exit(2);
    }
    return m;
}

/* Starts a thread with a body in the System process at a fixed priority. */
static inline HANDLE lesson_start(pssim_machine *m, PKSTART_ROUTINE body, void *context,
                                  KPRIORITY priority, const char *name)
{
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = body;
    p.context = context;
    p.priority = priority;
    HANDLE tid = NULL;
    NTSTATUS st = pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, &tid);
    lesson_expect(st == STATUS_SUCCESS, "pssim_thread_start(%s) returned %s", name,
                  pssim_status_name(st));
    lesson_name(tid, name);
    return tid;
}

/* Virtual time as a thread body sees it, in ns (KeQueryInterruptTime counts 100 ns units). */
static inline uint64_t lesson_now(void)
{
    return KeQueryInterruptTime() * 100;
}

/* ---- the trace ---- */

/* The whole trace as text (pssim_trace_format_text); the caller frees it. */
static inline char *lesson_trace_text(const pssim_machine *m)
{
    size_t n = pssim_trace_format_text(m, NULL, 0);
    char *text = malloc(n + 1);
    if (!text) {
        printf("out of memory\n");
        exit(2);
    }
    pssim_trace_format_text(m, text, n + 1);
    return text;
}

static inline void lesson_print_trace(const pssim_machine *m)
{
    printf("\nThe trace (pssim_trace_format_text): time in ns, processor, event, thread, a, b\n");
    char *text = lesson_trace_text(m);
    fputs(text, stdout);
    free(text);
    printf("Threads:");
    for (int i = 0; i < lesson_name_count; i++)
        printf(" %s = TID %" PRIu64 "%s", lesson_names[i].name, lesson_names[i].tid,
               i + 1 < lesson_name_count ? "," : "\n");
}

/* One context switch: at time_ns (relative to the lesson's start), processor cpu starts to run
 * the thread tid. */
typedef struct lesson_switch {
    uint64_t time_ns;
    uint32_t cpu;
    uint64_t tid;
} lesson_switch;

/* Compares the PSSIM_TRACE_SWITCH events of the trace, in order, with the predicted ones, and
 * prints both side by side. */
static inline void lesson_expect_switches(const pssim_machine *m, uint64_t t0,
                                          const lesson_switch *expect, size_t count)
{
    printf("\nContext switches: predicted from the config, and as the trace shows them\n");
    printf("  %-4s %-24s %s\n", "#", "predicted (ms, cpu, who)", "traced (ms, cpu, who)");
    size_t k = 0;
    uint64_t n = pssim_trace_count(m);
    for (uint64_t i = 0; i < n; i++) {
        pssim_trace_event e;
        pssim_trace_get(m, i, &e);
        if (e.kind != PSSIM_TRACE_SWITCH)
            continue;
        char want[64] = "(none)", got[64];
        bool same = false;
        uint64_t rel = e.time_ns - t0;
        if (k < count) {
            snprintf(want, sizeof(want), "%10.3f cpu%u %s", (double)expect[k].time_ns / 1e6,
                     (unsigned)expect[k].cpu, lesson_name_of(expect[k].tid));
            same = expect[k].time_ns == rel && expect[k].cpu == e.cpu && expect[k].tid == e.tid;
        }
        snprintf(got, sizeof(got), "%10.3f cpu%u %s", (double)rel / 1e6, (unsigned)e.cpu,
                 lesson_name_of(e.tid));
        printf("  %-4zu %-24s %s%s\n", k + 1, want, got, same ? "" : "   <-- differs");
        lesson_expect(same, "switch %zu: predicted %s, traced %s", k + 1, want, got);
        k++;
    }
    for (; k < count; k++) {
        char want[64];
        snprintf(want, sizeof(want), "%10.3f cpu%u %s", (double)expect[k].time_ns / 1e6,
                 (unsigned)expect[k].cpu, lesson_name_of(expect[k].tid));
        printf("  %-4zu %-24s (none)   <-- missing\n", k + 1, want);
        lesson_expect(false, "switch %zu (%s) is missing from the trace", k + 1, want);
    }
}

/* ---- the checks made at every context switch ----
 *
 * The trace is replayed against the thread-state machine of docs/scheduler.md: a thread is
 * switched in only when it is Ready, onto a processor that runs nothing else; it waits, works
 * and exits only while it runs; it wakes only from a wait; and time never goes backwards. */

enum { L_NEW, L_READY, L_RUNNING, L_WAITING, L_EXITED };

#define LESSON_MAX_THREADS 64

typedef struct lesson_thread_state {
    uint64_t tid;
    int state;
    uint32_t cpu;
    bool wait_pending; /* it traced "wait" and has not left its processor yet */
    bool exit_pending; /* it traced "exit" and has not left its processor yet */
} lesson_thread_state;

static inline lesson_thread_state *lesson_state_of(lesson_thread_state *s, int *count, uint64_t tid)
{
    for (int i = 0; i < *count; i++)
        if (s[i].tid == tid)
            return &s[i];
    if (*count == LESSON_MAX_THREADS)
        return NULL;
    lesson_thread_state *t = &s[(*count)++];
    memset(t, 0, sizeof(*t));
    t->tid = tid;
    t->state = L_NEW;
    return t;
}

/* Returns the number of violations (each is printed and counted as a failure). all_exit: the
 * run ended with STATUS_SUCCESS, so every thread seen must have exited. */
static inline int lesson_check_invariants(const pssim_machine *m, uint32_t cpus, bool all_exit)
{
    static const char *const state_names[] = {"new", "ready", "running", "waiting", "exited"};
    lesson_thread_state threads[LESSON_MAX_THREADS];
    int count = 0;
    uint64_t running[64] = {0}; /* TID each processor runs, 0 = idle */
    uint64_t last_time = 0;
    int bad = 0;
    uint64_t n = pssim_trace_count(m);
    for (uint64_t i = 0; i < n; i++) {
        pssim_trace_event e;
        pssim_trace_get(m, i, &e);
        const char *kind = pssim_trace_kind_name(e.kind);
        if (e.time_ns < last_time) {
            lesson_expect(false, "event %" PRIu64 " (%s): time went backwards", i, kind);
            bad++;
        }
        last_time = e.time_ns;
        if (e.kind == PSSIM_TRACE_NOTIFY_CALL || e.kind == PSSIM_TRACE_BUG_CHECK)
            continue;
        lesson_thread_state *t = lesson_state_of(threads, &count, e.tid);
        if (!t)
            continue;
        bool ok = true;
        switch (e.kind) {
        case PSSIM_TRACE_THREAD_READY:
            ok = t->state == L_NEW || t->state == L_READY;
            t->state = L_READY;
            break;
        case PSSIM_TRACE_SWITCH:
            ok = e.cpu < cpus && t->state == L_READY;
            if (e.cpu < cpus && running[e.cpu]) {
                /* Switched away without an "idle" event first: the previous thread is Ready. */
                lesson_thread_state *prev = lesson_state_of(threads, &count, running[e.cpu]);
                if (prev && prev->state == L_RUNNING)
                    prev->state = L_READY;
            }
            if (e.cpu < cpus)
                running[e.cpu] = e.tid;
            t->state = L_RUNNING;
            t->cpu = e.cpu;
            break;
        case PSSIM_TRACE_CPU_IDLE:
            ok = e.cpu < cpus && running[e.cpu] == e.tid && t->state == L_RUNNING;
            if (e.cpu < cpus)
                running[e.cpu] = 0;
            t->state = t->exit_pending ? L_EXITED : t->wait_pending ? L_WAITING : L_READY;
            t->wait_pending = t->exit_pending = false;
            break;
        case PSSIM_TRACE_CPU_WORK:
            ok = t->state == L_RUNNING && t->cpu == e.cpu;
            break;
        case PSSIM_TRACE_THREAD_WAIT:
            ok = t->state == L_RUNNING && t->cpu == e.cpu;
            t->wait_pending = true;
            break;
        case PSSIM_TRACE_THREAD_WAKE:
            ok = t->state == L_WAITING;
            t->state = L_READY;
            break;
        case PSSIM_TRACE_THREAD_EXIT:
            ok = t->state == L_RUNNING;
            t->exit_pending = true;
            break;
        default:
            break;
        }
        if (!ok) {
            lesson_expect(false,
                          "event %" PRIu64 " at %" PRIu64 " ns: %s of %s on cpu%u breaks the "
                          "state machine (the thread was %s)",
                          i, e.time_ns, kind, lesson_name_of(e.tid), (unsigned)e.cpu,
                          state_names[t->state]);
            bad++;
        }
    }
    for (int i = 0; i < count && all_exit; i++) {
        if (threads[i].state != L_EXITED) {
            lesson_expect(false, "%s has not exited at the end of the run",
                          lesson_name_of(threads[i].tid));
            bad++;
        }
    }
    printf("\nChecked at every context switch (and every other event): %" PRIu64
           " events, %d violation(s)\n",
           n, bad);
    return bad;
}

/* ---- determinism ---- */

/* Runs the lesson's scenario once on each backend: fibers (printing everything) and OS threads
 * (silently); the two traces must be identical, byte for byte. */
static inline void lesson_run_on_both_backends(char *(*scenario)(int backend, bool show))
{
    char *fibers = scenario(PSSIM_BACKEND_FIBERS, true);
    char *threads = scenario(PSSIM_BACKEND_THREADS, false);
    bool same = strcmp(fibers, threads) == 0;
    printf("\nDeterminism: the same config (seed %d) on the %s backend gives %s trace\n",
           LESSON_SEED, lesson_backend_name(PSSIM_BACKEND_THREADS),
           same ? "the same" : "a DIFFERENT");
    lesson_expect(same, "the traces of the two backends differ");
    free(fibers);
    free(threads);
}

#endif
