/* lesson2_preemption.c: a higher-priority thread that becomes ready takes the processor at once
 * (ps-semantics SCHED-2; docs/scheduler.md, "Preemption").
 *
 * One processor. H (priority 12) sleeps for DELAY, then computes for H_WORK. L1 and L2 (priority
 * 8) compute for L_WORK each. The lesson shows three things in the trace:
 *   1. H's timer expires in the middle of L1's quantum and H runs at that very instant: L1 does
 *      not get to finish its quantum first;
 *   2. the preempted L1 goes to the head of its ready queue, so it runs again before L2, which
 *      has been ready all along;
 *   3. L1 keeps only the rest of its quantum (QUANTUM - DELAY), not a fresh one.
 * Every switch time is predicted from QUANTUM, DELAY, H_WORK and L_WORK. */
#include "lesson.h"

#define QUANTUM (20 * MS)
#define DELAY (10 * MS)  /* H's sleep: ends inside L1's first quantum */
#define H_WORK (5 * MS)  /* H's computation once awake */
#define L_WORK (30 * MS) /* L1's and L2's computation: a quantum and a half */
#define HIGH 12
#define LOW 8

/* The prediction below assumes this shape of the scenario. */
_Static_assert(DELAY < QUANTUM, "H must wake inside L1's first quantum");
_Static_assert(L_WORK > QUANTUM && L_WORK - QUANTUM < QUANTUM,
               "L1 and L2 must each need a second turn, and finish in it");

static uint64_t h_woke_at, h_done_at, l_done_at[2];

static VOID high(PVOID context)
{
    (void)context;
    LARGE_INTEGER interval;
    interval.QuadPart = -(LONGLONG)(DELAY / 100); /* relative, in 100 ns units (SYNC-1) */
    KeDelayExecutionThread(KernelMode, FALSE, &interval);
    h_woke_at = lesson_now();
    pssim_cpu_work(H_WORK);
    h_done_at = lesson_now();
}

static VOID low(PVOID context)
{
    int i = (int)(uintptr_t)context;
    pssim_cpu_work(L_WORK);
    l_done_at[i] = lesson_now();
}

static char *scenario(int backend, bool show)
{
    pssim_machine *m = lesson_machine(1, QUANTUM, backend);
    uint64_t t0 = pssim_machine_now(m);
    h_woke_at = h_done_at = l_done_at[0] = l_done_at[1] = 0;
    /* H starts first, so it is on the processor when L1 and L2 join the ready queue. */
    uint64_t h = (uint64_t)(uintptr_t)lesson_start(m, high, NULL, HIGH, "H");
    uint64_t l1 = (uint64_t)(uintptr_t)lesson_start(m, low, (void *)0, LOW, "L1");
    uint64_t l2 = (uint64_t)(uintptr_t)lesson_start(m, low, (void *)1, LOW, "L2");
    NTSTATUS st = pssim_machine_run(m, 0);
    lesson_expect(st == STATUS_SUCCESS, "pssim_machine_run returned %s", pssim_status_name(st));

    /* The prediction, event by event. */
    uint64_t h_wakes = DELAY;                                /* the delay's timer expires */
    uint64_t h_exits = h_wakes + H_WORK;                     /* nothing preempts H */
    uint64_t l1_quantum_end = h_exits + (QUANTUM - DELAY);   /* the rest of L1's quantum */
    uint64_t l2_quantum_end = l1_quantum_end + QUANTUM;      /* L2 starts a full quantum */
    uint64_t l1_exits = l2_quantum_end + (L_WORK - QUANTUM); /* L1 has worked one quantum */
    uint64_t l2_exits = l1_exits + (L_WORK - QUANTUM);
    const lesson_switch expect[] = {
        {0, 0, h},               /* H is started on the idle processor */
        {0, 0, l1},              /* H sleeps: the head of the priority-8 queue runs */
        {h_wakes, 0, h},         /* 1. preemption at once, mid-quantum */
        {h_exits, 0, l1},        /* 2. L1 (head of the queue) before L2 */
        {l1_quantum_end, 0, l2}, /* 3. L1's quantum ends QUANTUM - DELAY later */
        {l2_quantum_end, 0, l1}, /* round robin */
        {l1_exits, 0, l2},       /* L1 is done, L2 finishes */
    };
    if (show) {
        printf("Lesson 2: preemption. One processor, quantum %.3f ms.\nH (priority %d) sleeps "
               "%.3f ms then computes %.3f ms;\nL1 and L2 (priority %d) compute %.3f ms each "
               "(%s backend).\n",
               (double)QUANTUM / 1e6, HIGH, (double)DELAY / 1e6, (double)H_WORK / 1e6, LOW,
               (double)L_WORK / 1e6, lesson_backend_name(backend));
        lesson_print_trace(m);
        lesson_expect_switches(m, t0, expect, sizeof(expect) / sizeof(expect[0]));
        printf("\nH woke at %.3f ms and was done at %.3f ms; L1 done at %.3f ms, L2 at %.3f ms\n",
               (double)(h_woke_at - t0) / 1e6, (double)(h_done_at - t0) / 1e6,
               (double)(l_done_at[0] - t0) / 1e6, (double)(l_done_at[1] - t0) / 1e6);
        lesson_check_invariants(m, 1, true);
    }
    lesson_expect(h_woke_at - t0 == h_wakes, "H woke at %" PRIu64 " ns", h_woke_at - t0);
    lesson_expect(h_done_at - t0 == h_exits, "H was done at %" PRIu64 " ns", h_done_at - t0);
    lesson_expect(l_done_at[0] - t0 == l1_exits, "L1 was done at %" PRIu64 " ns",
                  l_done_at[0] - t0);
    lesson_expect(l_done_at[1] - t0 == l2_exits, "L2 was done at %" PRIu64 " ns",
                  l_done_at[1] - t0);
    char *text = lesson_trace_text(m);
    pssim_machine_destroy(m);
    return text;
}

int main(void)
{
    lesson_run_on_both_backends(scenario);
    return lesson_finish("lesson 2 (preemption)");
}
