/* context_switch_bench.c: what one switch between execution contexts costs, next to the host
 * primitive each backend competes with, in the same process:
 *
 *   (a) the fibers backend (pssim__context_switch, main <-> one context) against a raw
 *       swapcontext round trip between two ucontexts; goal: fibers <= 1.0x swapcontext;
 *   (b) the threads backend (each context an OS thread handed a baton) against two threads
 *       playing ping-pong with POSIX semaphores; goal: threads backend <= 1.5x semaphores.
 *
 * Figures are nanoseconds per ONE-WAY switch (a round trip is two), the median of several runs
 * that alternate between the two sides so that both see the same machine. Cross-CPU wake-ups
 * dominate (b), and whether the kernel puts two threads on one CPU changes its figure tenfold:
 * every run of (b) uses fresh threads on both sides, and the ratio is the median of the per-run
 * ratios. Run under `taskset -c 0` for stable same-CPU figures.
 *
 * This is a measurement, not a test: it exits 0 whether or not a goal is met, and 1 only when
 * a switch misbehaves. `--quick` uses tiny counts (CTest's smoke run); its figures are printed
 * but not judged. The fibers backend is absent from ThreadSanitizer builds; (a) then says so.
 *
 * It calls the library's INTERNAL context layer (src/platform/context.h): the bench is built
 * inside the project and links the static library. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <pssim/pssim.h>

#include "bench_report.h"

#include "platform/context.h" /* internal */

#define GOAL_FIBERS_VS_SWAPCONTEXT 1.0
#define GOAL_THREADS_VS_SEMAPHORES 1.5

typedef struct bench_sizes {
    unsigned runs;        /* per side, alternating */
    uint64_t fiber_trips; /* round trips per run */
    uint64_t swapcontext_trips;
    uint64_t thread_trips;
} bench_sizes;

static const bench_sizes full_sizes = {7, 2000000, 300000, 20000};
static const bench_sizes quick_sizes = {1, 2000, 2000, 200};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int code)
{
    fprintf(stderr, "bench_context_switch: %s failed (%d: %s)\n", what, code, strerror(code));
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- pssim contexts: main <-> one context that switches straight back ---- */

typedef struct echo {
    pssim_exec *e;
    pssim_context *ctx;
    volatile bool stop;
    uint64_t trips; /* counted by the context */
} echo;

static void echo_body(void *arg)
{
    echo *x = arg;
    pssim_context *main_ctx = pssim__exec_main(x->e);
    while (!x->stop) {
        x->trips++;
        pssim__context_switch(x->e, x->ctx, main_ctx);
    }
    pssim__context_switch(x->e, x->ctx, main_ctx); /* the last switch: never resumed */
    abort();
}

static echo *echo_open(int backend)
{
    echo *x = calloc(1, sizeof(*x));
    if (!x)
        die("calloc", ENOMEM);
    int rc = pssim__exec_create(backend, &x->e);
    if (rc == ENOTSUP) {
        free(x);
        return NULL;
    }
    if (rc != 0)
        die("pssim__exec_create", rc);
    rc = pssim__context_create(x->e, 64 * 1024, echo_body, x, &x->ctx);
    if (rc != 0)
        die("pssim__context_create", rc);
    return x;
}

/* ns per one-way switch over `trips` round trips */
static double echo_run(echo *x, uint64_t trips)
{
    pssim_context *main_ctx = pssim__exec_main(x->e);
    uint64_t before = x->trips;
    double t0 = now_s();
    for (uint64_t i = 0; i < trips; i++) {
        if (pssim__context_switch(x->e, main_ctx, x->ctx) != PSSIM_SWITCH_OK) {
            fprintf(stderr, "bench_context_switch: a switch reported an overflow\n");
            exit(1);
        }
    }
    double dt = now_s() - t0;
    if (x->trips - before != trips) {
        fprintf(stderr, "bench_context_switch: the context ran %llu times, not %llu\n",
                (unsigned long long)(x->trips - before), (unsigned long long)trips);
        exit(1);
    }
    return dt * 1e9 / (double)(2 * trips);
}

static void echo_close(echo *x)
{
    x->stop = true;
    pssim__context_switch(x->e, pssim__exec_main(x->e), x->ctx);
    pssim__context_destroy(x->e, x->ctx);
    pssim__exec_destroy(x->e);
    free(x);
}

/* ---- baseline (a): raw swapcontext ---- */

static ucontext_t uc_main, uc_co;
static volatile uint64_t uc_trips;

static void uc_body(void)
{
    for (;;) {
        uc_trips++;
        swapcontext(&uc_co, &uc_main);
    }
}

static void *uc_stack;

static void uc_open(void)
{
    size_t size = 64 * 1024;
    uc_stack = malloc(size);
    if (!uc_stack || getcontext(&uc_co) != 0)
        die("getcontext", errno ? errno : ENOMEM);
    uc_co.uc_stack.ss_sp = uc_stack;
    uc_co.uc_stack.ss_size = size;
    uc_co.uc_link = NULL;
    makecontext(&uc_co, uc_body, 0);
}

static double uc_run(uint64_t trips)
{
    uint64_t before = uc_trips;
    double t0 = now_s();
    for (uint64_t i = 0; i < trips; i++)
        swapcontext(&uc_main, &uc_co);
    double dt = now_s() - t0;
    if (uc_trips - before != trips) {
        fprintf(stderr, "bench_context_switch: swapcontext baseline miscounted\n");
        exit(1);
    }
    return dt * 1e9 / (double)(2 * trips);
}

/* ---- baseline (b): two threads, two semaphores ---- */

typedef struct semping {
    sem_t to_peer, to_main;
    volatile bool stop;
    uint64_t trips;
    pthread_t peer;
} semping;

static void *sem_peer(void *arg)
{
    semping *s = arg;
    for (;;) {
        while (sem_wait(&s->to_peer) != 0)
            ;
        if (s->stop)
            return NULL;
        s->trips++;
        sem_post(&s->to_main);
    }
}

static void sem_open_pair(semping *s)
{
    memset(s, 0, sizeof(*s));
    if (sem_init(&s->to_peer, 0, 0) != 0 || sem_init(&s->to_main, 0, 0) != 0)
        die("sem_init", errno);
    int rc = pthread_create(&s->peer, NULL, sem_peer, s);
    if (rc != 0)
        die("pthread_create", rc);
}

static double sem_run(semping *s, uint64_t trips)
{
    uint64_t before = s->trips;
    double t0 = now_s();
    for (uint64_t i = 0; i < trips; i++) {
        sem_post(&s->to_peer);
        while (sem_wait(&s->to_main) != 0)
            ;
    }
    double dt = now_s() - t0;
    if (s->trips - before != trips) {
        fprintf(stderr, "bench_context_switch: semaphore baseline miscounted\n");
        exit(1);
    }
    return dt * 1e9 / (double)(2 * trips);
}

static void sem_close_pair(semping *s)
{
    s->stop = true;
    sem_post(&s->to_peer);
    pthread_join(s->peer, NULL);
    sem_destroy(&s->to_peer);
    sem_destroy(&s->to_main);
}

/* ---- main ---- */

#define MAX_RUNS 16

int main(int argc, char **argv)
{
    bool quick = bench_start(argc, argv);
    const bench_sizes *sz = quick ? &quick_sizes : &full_sizes;

    double a[MAX_RUNS], b[MAX_RUNS];
    double fib = 0, uc = 0, thr = 0, sem = 0;
    bool have_fibers = false;

    /* (a) */
    echo *xf = echo_open(PSSIM_EXEC_FIBERS);
    if (xf) {
        have_fibers = true;
        uc_open();
        echo_run(xf, sz->fiber_trips / 10 + 1); /* warm-up */
        uc_run(sz->swapcontext_trips / 10 + 1);
        for (unsigned r = 0; r < sz->runs; r++) {
            a[r] = echo_run(xf, sz->fiber_trips);
            b[r] = uc_run(sz->swapcontext_trips);
        }
        fib = median(a, sz->runs);
        uc = median(b, sz->runs);
        echo_close(xf);
        free(uc_stack);
        printf("(a) fibers backend vs swapcontext, ns per one-way switch (median of %u)\n",
               sz->runs);
        printf("    pssim fibers    %9.1f ns   (%llu round trips per run)\n", fib,
               (unsigned long long)sz->fiber_trips);
        printf("    swapcontext     %9.1f ns   (%llu round trips per run)\n", uc,
               (unsigned long long)sz->swapcontext_trips);
    } else {
        printf("(a) fibers backend: not available in this build (ThreadSanitizer); skipped\n");
    }

    /* (b): fresh threads for every run on both sides, so that the kernel's placement of the
     * two threads (same CPU or not, which changes the figure tenfold) is drawn anew each time
     * instead of favouring one side for the whole measurement. */
    double ratios[MAX_RUNS];
    for (unsigned r = 0; r < sz->runs; r++) {
        echo *xt = echo_open(PSSIM_EXEC_THREADS);
        if (!xt)
            die("pssim__exec_create(threads)", ENOTSUP);
        semping sp;
        sem_open_pair(&sp);
        echo_run(xt, sz->thread_trips / 10 + 1); /* warm-up */
        sem_run(&sp, sz->thread_trips / 10 + 1);
        a[r] = echo_run(xt, sz->thread_trips);
        b[r] = sem_run(&sp, sz->thread_trips);
        ratios[r] = a[r] / b[r];
        echo_close(xt);
        sem_close_pair(&sp);
    }
    thr = median(a, sz->runs);
    sem = median(b, sz->runs);
    double rb = median(ratios, sz->runs);
    printf("(b) threads backend vs semaphore ping-pong, ns per one-way switch (median of %u; the\n"
           "    ratio is the median of the per-run ratios, each run on fresh threads)\n",
           sz->runs);
    printf("    pssim threads   %9.1f ns   (%llu round trips per run)\n", thr,
           (unsigned long long)sz->thread_trips);
    printf("    sem_post/wait   %9.1f ns   (%llu round trips per run)\n", sem,
           (unsigned long long)sz->thread_trips);
    printf("    per-run ratios:");
    for (unsigned r = 0; r < sz->runs; r++)
        printf(" %.2f", ratios[r]);
    printf("\n");

    printf("\nresults                                   ratio      goal\n");
    if (have_fibers) {
        double ra = fib / uc;
        printf("  fibers / swapcontext             %9.3fx   <= %.1fx  %s\n", ra,
               GOAL_FIBERS_VS_SWAPCONTEXT, verdict(ra <= GOAL_FIBERS_VS_SWAPCONTEXT, quick));
    } else {
        printf("  fibers / swapcontext                   n/a   <= %.1fx  not measured\n",
               GOAL_FIBERS_VS_SWAPCONTEXT);
    }
    printf("  threads backend / semaphores     %9.3fx   <= %.1fx  %s\n", rb,
           GOAL_THREADS_VS_SEMAPHORES, verdict(rb <= GOAL_THREADS_VS_SEMAPHORES, quick));
    return 0;
}
