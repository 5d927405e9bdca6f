/* lesson3_starvation.c: the balance-set manager lifts a starving thread to priority 15 for one
 * quantum (docs/scheduler.md, "Starvation relief"; src/ke/dispatcher.c: balance_set_manager).
 *
 * One processor. HOG (priority 12) computes for HOG_WORK without ever waiting; S (priority 4)
 * needs one and a half quanta of work. Strict priority scheduling would never run S while HOG
 * computes. Once a second of virtual time the balance-set manager looks for threads that have
 * been ready for STARVED_NS or more and gives each priority 15 for one quantum. So the trace
 * shows S running twice: a full quantum at the first pass after it has been ready for 4 s, then,
 * back at priority 4 and ready again, the rest of its work at the first pass 4 s after that.
 * The times are predicted from the config's quantum and the two constants of the dispatcher. */
#include "lesson.h"

/* The balance-set manager's period and starvation threshold. They are constants of the
 * dispatcher (KI_BALANCE_PERIOD_NS and KI_STARVATION_NS in src/ke/dispatcher.c), not config
 * fields, so the lesson repeats them here. */
#define BALANCE_PERIOD_NS 1000000000ULL
#define STARVED_NS 4000000000ULL

#define QUANTUM 31250000ULL /* the default quantum: two 15.625 ms clock intervals (SCHED-7) */
#define HOG_WORK (10000 * MS)
#define S_WORK (QUANTUM + QUANTUM / 2)
#define HOG_PRIORITY 12
#define S_PRIORITY 4
#define RELIEF_PRIORITY 15

static uint64_t s_first_ran, s_done_at, hog_done_at;
static KPRIORITY s_priority_seen;

static VOID hog(PVOID context)
{
    (void)context;
    pssim_cpu_work(HOG_WORK);
    hog_done_at = lesson_now();
}

static VOID starving(PVOID context)
{
    (void)context;
    s_first_ran = lesson_now();
    s_priority_seen = KeQueryPriorityThread(KeGetCurrentThread());
    pssim_cpu_work(S_WORK);
    s_done_at = lesson_now();
}

/* The first balance pass at or after `t` (passes run at 0, 1 s, 2 s, ... of this run). */
static uint64_t next_pass(uint64_t t)
{
    return (t + BALANCE_PERIOD_NS - 1) / BALANCE_PERIOD_NS * BALANCE_PERIOD_NS;
}

static char *scenario(int backend, bool show)
{
    pssim_machine *m = lesson_machine(1, QUANTUM, backend);
    uint64_t t0 = pssim_machine_now(m);
    s_first_ran = s_done_at = hog_done_at = 0;
    s_priority_seen = 0;
    uint64_t h = (uint64_t)(uintptr_t)lesson_start(m, hog, NULL, HOG_PRIORITY, "HOG");
    uint64_t s = (uint64_t)(uintptr_t)lesson_start(m, starving, NULL, S_PRIORITY, "S");
    NTSTATUS st = pssim_machine_run(m, 0);
    lesson_expect(st == STATUS_SUCCESS, "pssim_machine_run returned %s", pssim_status_name(st));

    /* S is ready from 0. Its first relief: the first pass once it has waited STARVED_NS. It
     * runs one quantum at priority 15, drops back to 4 and is ready again from then on. */
    uint64_t relief1 = next_pass(0 + STARVED_NS);
    uint64_t relief1_end = relief1 + QUANTUM;
    uint64_t relief2 = next_pass(relief1_end + STARVED_NS);
    uint64_t s_exits = relief2 + (S_WORK - QUANTUM);
    uint64_t hog_exits = HOG_WORK + S_WORK; /* HOG lost exactly S's processor time */
    const lesson_switch expect[] = {
        {0, 0, h},           /* HOG is started on the idle processor; S waits in the queue */
        {relief1, 0, s},     /* relief: S at 15 preempts HOG at 12 */
        {relief1_end, 0, h}, /* one quantum later S is back at 4 */
        {relief2, 0, s},     /* starved again: relieved again */
        {s_exits, 0, h},     /* S is done; HOG finishes its work */
    };
    if (show) {
        printf("Lesson 3: starvation relief. One processor, quantum %.3f ms.\nHOG (priority %d) "
               "computes %.0f ms; S (priority %d) needs %.3f ms (%s backend).\n",
               (double)QUANTUM / 1e6, HOG_PRIORITY, (double)HOG_WORK / 1e6, S_PRIORITY,
               (double)S_WORK / 1e6, lesson_backend_name(backend));
        lesson_print_trace(m);
        lesson_expect_switches(m, t0, expect, sizeof(expect) / sizeof(expect[0]));
        printf("\nS first ran at %.3f ms at priority %d; S done at %.3f ms; HOG done at %.3f "
               "ms\n",
               (double)(s_first_ran - t0) / 1e6, (int)s_priority_seen,
               (double)(s_done_at - t0) / 1e6, (double)(hog_done_at - t0) / 1e6);
        lesson_check_invariants(m, 1, true);
    }
    lesson_expect(s_first_ran - t0 == relief1, "S first ran at %" PRIu64 " ns", s_first_ran - t0);
    lesson_expect(s_priority_seen == RELIEF_PRIORITY, "S ran at priority %d, not %d",
                  (int)s_priority_seen, RELIEF_PRIORITY);
    lesson_expect(s_done_at - t0 == s_exits, "S was done at %" PRIu64 " ns", s_done_at - t0);
    lesson_expect(hog_done_at - t0 == hog_exits, "HOG was done at %" PRIu64 " ns",
                  hog_done_at - t0);
    char *text = lesson_trace_text(m);
    pssim_machine_destroy(m);
    return text;
}

int main(void)
{
    lesson_run_on_both_backends(scenario);
    return lesson_finish("lesson 3 (starvation relief)");
}
