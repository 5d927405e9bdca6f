/* context_threads_posix.c: the threads backend on POSIX threads. Every context is a pthread
 * running on the context's own mmap'd stack (guard region below it, see context_mem_posix.c),
 * created with the context and parked on its baton, a semaphore, whenever it is not the running
 * context. A switch posts `to`'s baton and waits on `from`'s: exactly one context of the
 * executor runs at a time, and the semaphore pair orders every memory access of one context
 * before those of the next (what ThreadSanitizer checks).
 *
 * Destroying a context whose thread is parked (never started, suspended mid-body, finished, or
 * dead after an overflow) sets its `die` flag and posts its baton: the thread wakes inside its
 * pending wait and longjmps to the bottom of its start routine, which returns; the destroyer
 * joins it. The frames in between are discarded, not unwound: no C++ destructors, no cleanup
 * attributes run (as with fibers). */
#if !defined(_WIN32)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <limits.h> /* PTHREAD_STACK_MIN */
#include <pthread.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if !defined(__APPLE__)
#include <semaphore.h>
#endif
#endif

#include "platform/context_impl.h"

#if defined(PSSIM_CTX_POSIX)

/* ---- the baton: a binary hand-off, async-signal-safe to post ---- */

#if !defined(__APPLE__)
typedef struct baton {
    sem_t sem;
} baton;

static int baton_init(baton *b)
{
    return sem_init(&b->sem, 0, 0) == 0 ? 0 : ENOMEM;
}

static void baton_fini(baton *b)
{
    sem_destroy(&b->sem);
}

static void baton_post(baton *b)
{
    sem_post(&b->sem);
}

static void baton_wait(baton *b)
{
    while (sem_wait(&b->sem) != 0)
        ; /* EINTR: a signal handler ran; wait again */
}
#else
/* macOS has no unnamed semaphores. A mutex and condition variable instead (not async-signal-
 * safe: an overflow handled while another thread holds the mutex could deadlock). */
typedef struct baton {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool up;
} baton;

static int baton_init(baton *b)
{
    b->up = false;
    if (pthread_mutex_init(&b->mu, NULL) != 0)
        return ENOMEM;
    if (pthread_cond_init(&b->cv, NULL) != 0) {
        pthread_mutex_destroy(&b->mu);
        return ENOMEM;
    }
    return 0;
}

static void baton_fini(baton *b)
{
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
}

static void baton_post(baton *b)
{
    pthread_mutex_lock(&b->mu);
    b->up = true;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static void baton_wait(baton *b)
{
    pthread_mutex_lock(&b->mu);
    while (!b->up)
        pthread_cond_wait(&b->cv, &b->mu);
    b->up = false;
    pthread_mutex_unlock(&b->mu);
}
#endif

/* ---- contexts ---- */

typedef struct thr_context {
    pssim_context base;
    baton baton;
    pthread_t thread;
    bool has_thread;
    bool die;        /* set by the destroyer before it posts the baton */
    jmp_buf exit_jb; /* the bottom of the start routine, where `die` leads */
    pssim__altstack alt;
} thr_context;

#define T(c) ((thr_context *)(void *)(c))

/* The C library puts the thread control block and static TLS at the top of a stack it is
 * given. How much, it does not say: a probe thread on a stack of known top measures it once per
 * process, and every context's stack gets that much, plus a margin for the start routine, on
 * top of the requested size. */
#define PROBE_STACK ((size_t)4 << 20)
#define TLS_MARGIN ((size_t)16 * 1024)
#define TLS_FALLBACK ((size_t)256 * 1024)

static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static size_t tls_reserve;

static void *probe_main(void *arg)
{
    *(uintptr_t *)arg = pssim__current_stack_pointer();
    return NULL;
}

static void measure_tls(void)
{
    tls_reserve = TLS_FALLBACK;
    pssim_context probe_stack;
    memset(&probe_stack, 0, sizeof(probe_stack));
    if (pssim__stack_map(&probe_stack, PROBE_STACK, pssim__page_size()) != 0)
        return;
    uintptr_t sp = 0;
    pthread_attr_t attr;
    pthread_t th;
    if (pthread_attr_init(&attr) == 0) {
        if (pthread_attr_setstack(&attr, (void *)probe_stack.lo, PROBE_STACK) == 0 &&
            pthread_create(&th, &attr, probe_main, &sp) == 0)
            pthread_join(th, NULL);
        pthread_attr_destroy(&attr);
    }
    if (sp > probe_stack.lo && sp < probe_stack.hi) {
        size_t page = pssim__page_size();
        size_t used = (size_t)(probe_stack.hi - sp) + TLS_MARGIN;
#if defined(PSSIM_CTX_TSAN)
        /* ThreadSanitizer warns about any stack it is given smaller than TLS + 128 KiB. */
        used += (size_t)128 * 1024;
#endif
        tls_reserve = (used + page - 1) / page * page;
    }
    /* pthread_attr_setstack refuses less than PTHREAD_STACK_MIN in all (128 KiB on AArch64):
     * reserving that much on top of any request keeps every stack above it. */
    long min = -1;
#if defined(_SC_THREAD_STACK_MIN)
    min = sysconf(_SC_THREAD_STACK_MIN);
#endif
#if defined(PTHREAD_STACK_MIN)
    if (min < (long)PTHREAD_STACK_MIN)
        min = (long)PTHREAD_STACK_MIN;
#endif
    if (min > 0 && tls_reserve < (size_t)min)
        tls_reserve = (size_t)min;
    pssim__stack_unmap(&probe_stack);
}

static size_t thr_stack_extra(void)
{
    pthread_once(&tls_once, measure_tls);
    return tls_reserve;
}

/* The context this OS thread runs (NULL on threads that are not context threads). Set once,
 * before the thread can run any body or fault. */
static _Thread_local thr_context *thread_self;

static pssim_context *thr_current(pssim_exec *e)
{
    thr_context *t = thread_self;
    return t && t->base.exec == e ? &t->base : e->main;
}

static bool thr_runs_here(const pssim_context *c)
{
    return thread_self && &thread_self->base == c;
}

static void *thr_main(void *arg)
{
    thr_context *t = arg;
    thread_self = t;
    pssim__altstack_install(&t->alt);
    baton_wait(&t->baton);
    if (!t->die) {
        if (setjmp(t->exit_jb) == 0)
            pssim__context_run_entry(&t->base);
    }
    pssim__altstack_uninstall(&t->alt);
    return NULL;
}

static int thr_exec_init(pssim_exec *e)
{
    return baton_init(&T(e->main)->baton);
}

static void thr_exec_fini(pssim_exec *e)
{
    baton_fini(&T(e->main)->baton);
}

static int thr_context_init(pssim_exec *e, pssim_context *c)
{
    (void)e;
    thr_context *t = T(c);
    int rc = baton_init(&t->baton);
    if (rc != 0)
        return rc;
    rc = pssim__altstack_alloc(&t->alt);
    if (rc != 0) {
        baton_fini(&t->baton);
        return rc;
    }
    pthread_attr_t attr;
    rc = pthread_attr_init(&attr);
    if (rc == 0) {
        rc = pthread_attr_setstack(&attr, (void *)c->lo, (size_t)(c->hi - c->lo));
        if (rc == 0)
            rc = pthread_create(&t->thread, &attr, thr_main, t);
        pthread_attr_destroy(&attr);
    }
    if (rc != 0) {
        pssim__altstack_free(&t->alt);
        baton_fini(&t->baton);
        return rc == EINVAL ? EINVAL : ENOMEM;
    }
    t->has_thread = true;
    return 0;
}

static void thr_context_fini(pssim_exec *e, pssim_context *c)
{
    (void)e;
    thr_context *t = T(c);
    if (t->has_thread) {
        t->die = true;
        baton_post(&t->baton);
        pthread_join(t->thread, NULL);
        t->has_thread = false;
    }
    pssim__altstack_free(&t->alt);
    baton_fini(&t->baton);
}

static void thr_switch(pssim_exec *e, pssim_context *from, pssim_context *to)
{
    (void)e;
    thr_context *f = T(from);
    baton_post(&T(to)->baton);
    baton_wait(&f->baton);
    if (f->die)
        longjmp(f->exit_jb, 1);
}

/* On the overflowed thread's alternate signal stack: hand the baton to main, then park here
 * until destroyed. sem_post is async-signal-safe. */
static void thr_overflow_escape(pssim_exec *e, pssim_context *c)
{
    thr_context *t = T(c);
    baton_post(&T(e->main)->baton);
    for (;;) {
        baton_wait(&t->baton);
        if (t->die)
            longjmp(t->exit_jb, 1);
    }
}

static const pssim__backend thr_backend = {
    .exec_size = sizeof(pssim_exec),
    .context_size = sizeof(thr_context),
    .maps_stacks = true,
    .stack_extra = thr_stack_extra,
    .exec_init = thr_exec_init,
    .exec_fini = thr_exec_fini,
    .context_init = thr_context_init,
    .context_fini = thr_context_fini,
    .switch_to = thr_switch,
    .overflow_escape = thr_overflow_escape,
    .current = thr_current,
    .runs_here = thr_runs_here,
};

const pssim__backend *pssim__threads_backend(void)
{
    return &thr_backend;
}

#endif
