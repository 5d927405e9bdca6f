/* lesson1_round_robin.c: two threads of equal priority share one processor, one quantum at a
 * time (ps-semantics SCHED-2, SCHED-7; docs/scheduler.md, "Quantum and round robin").
 *
 * A and B both run at priority 8 and each computes for WORK of virtual time. Neither waits, so
 * only the quantum decides who runs: every QUANTUM the running thread goes to the back of its
 * ready queue and the other one takes the processor. The lesson predicts the switches from
 * QUANTUM and WORK alone, then checks the trace against the prediction. Exit status 0 when the
 * trace shows exactly the predicted round robin. */
#include "lesson.h"

#define THREADS 2
#define PRIORITY 8
#define QUANTUM (10 * MS) /* shorter than the default 31.25 ms, so the trace stays short */
#define WORK (25 * MS)    /* each thread's computation: two full quanta and a half */

/* Keep the lesson free of ties: when a thread's work would end exactly at a quantum end, the two
 * events fall on one instant and the prediction below would have to know which one pssim handles
 * first (the quantum end; docs/scheduler.md explains). */
_Static_assert(WORK % QUANTUM != 0, "WORK must not be a multiple of QUANTUM");

static uint64_t finished_at[THREADS];

static VOID worker(PVOID context)
{
    int i = (int)(uintptr_t)context;
    pssim_cpu_work(WORK); /* a scheduling point: the thread computes for WORK ns */
    finished_at[i] = lesson_now();
}

/* The schedule round robin predicts: the threads take turns in the order they started, each for
 * one quantum or for what is left of its work, whichever is shorter. When only one thread is
 * left it keeps the processor through its quantum ends: there is nobody to switch to. */
static size_t predict(const HANDLE tid[THREADS], lesson_switch *out, uint64_t finish[THREADS])
{
    uint64_t left[THREADS];
    for (int i = 0; i < THREADS; i++)
        left[i] = WORK;
    size_t n = 0;
    uint64_t now = 0;
    int cur = 0;
    out[n++] = (lesson_switch){0, 0, (uint64_t)(uintptr_t)tid[cur]};
    for (;;) {
        uint64_t slice = left[cur] < QUANTUM ? left[cur] : QUANTUM;
        now += slice;
        left[cur] -= slice;
        if (left[cur] == 0)
            finish[cur] = now;
        int next = -1;
        for (int k = 1; k <= THREADS; k++) {
            int cand = (cur + k) % THREADS;
            if (left[cand] > 0) {
                next = cand;
                break;
            }
        }
        if (next < 0)
            return n; /* everyone is done */
        if (next != cur)
            out[n++] = (lesson_switch){now, 0, (uint64_t)(uintptr_t)tid[next]};
        cur = next;
    }
}

static char *scenario(int backend, bool show)
{
    pssim_machine *m = lesson_machine(1, QUANTUM, backend);
    uint64_t t0 = pssim_machine_now(m);
    static const char *const names[THREADS] = {"A", "B"};
    HANDLE tid[THREADS];
    memset(finished_at, 0, sizeof(finished_at));
    for (int i = 0; i < THREADS; i++)
        tid[i] = lesson_start(m, worker, (void *)(uintptr_t)i, PRIORITY, names[i]);
    NTSTATUS st = pssim_machine_run(m, 0);
    lesson_expect(st == STATUS_SUCCESS, "pssim_machine_run returned %s", pssim_status_name(st));

    lesson_switch expect[64];
    uint64_t finish[THREADS];
    size_t count = predict(tid, expect, finish);
    if (show) {
        printf("Lesson 1: round robin. One processor, quantum %.3f ms;\nA and B at priority %d "
               "each compute %.3f ms (%s backend).\n",
               (double)QUANTUM / 1e6, PRIORITY, (double)WORK / 1e6, lesson_backend_name(backend));
        lesson_print_trace(m);
        lesson_expect_switches(m, t0, expect, count);
        printf("\nFinish times (ms): predicted / seen\n");
        for (int i = 0; i < THREADS; i++)
            printf("  %s: %.3f / %.3f\n", names[i], (double)finish[i] / 1e6,
                   (double)(finished_at[i] - t0) / 1e6);
        lesson_check_invariants(m, 1, true);
    }
    for (int i = 0; i < THREADS; i++)
        lesson_expect(finished_at[i] - t0 == finish[i],
                      "%s finished at %" PRIu64 " ns, not %" PRIu64, names[i], finished_at[i] - t0,
                      finish[i]);
    char *text = lesson_trace_text(m);
    pssim_machine_destroy(m);
    return text;
}

int main(void)
{
    lesson_run_on_both_backends(scenario);
    return lesson_finish("lesson 1 (round robin)");
}
