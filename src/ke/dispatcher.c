/* dispatcher.c: simulated processors, ready queues, virtual clocks and the scheduler loop
 * (ps-semantics 7; docs/execution.md).
 *
 * The scheduler runs on the host thread's main context. It repeatedly takes the earliest event
 * of the machine (a due timer, or a processor whose running thread finished its work or its
 * quantum), advances that processor's clock, and switches into the thread that should run; the
 * thread runs real C code until its next scheduling point and switches back. Nothing else ever
 * preempts code, so a run is a pure function of the machine's state. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "ke/ke.h"
#include "platform/context.h"

KI_DISPATCHER *KiDispatcher(pssim_machine *m)
{
    if (m->ke)
        return m->ke;
    KI_DISPATCHER *d = pssim__alloc(sizeof(*d));
    if (!d)
        return NULL;
    if (pssim__exec_create(m->cfg.backend == PSSIM_BACKEND_THREADS ? PSSIM_EXEC_THREADS
                                                                   : PSSIM_EXEC_FIBERS,
                           &d->exec) != 0) {
        pssim__free(d);
        return NULL;
    }
    d->cpu_count = m->cfg.cpu_count;
    for (uint32_t c = 0; c < d->cpu_count; c++) {
        d->cpus[c].number = c;
        for (int p = 0; p < KI_PRIORITIES; p++)
            InitializeListHead(&d->cpus[c].ready[p]);
    }
    InitializeListHead(&d->timers);
    InitializeListHead(&d->ktimers);
    m->ke = d;
    return d;
}

void KiDestroyDispatcher(pssim_machine *m)
{
    KI_DISPATCHER *d = m->ke;
    if (!d)
        return;
    pssim__exec_destroy(d->exec); /* every context, finished or not */
    pssim__free(d);
    m->ke = NULL;
}

uint64_t KiNow(pssim_machine *m)
{
    return m->now_ns;
}

static bool allowed(PETHREAD t, uint32_t cpu)
{
    return (t->affinity >> cpu) & 1;
}

static void queue_insert(pssim_machine *m, KI_PROCESSOR *c, PETHREAD t, bool at_head)
{
    t->ready_since_ns = m->now_ns;
    int p = t->priority;
    t->queued_priority = (UCHAR)p; /* the list it is on, whatever its priority becomes */
    if (at_head)
        InsertHeadList(&c->ready[p], &t->ready_link);
    else
        InsertTailList(&c->ready[p], &t->ready_link);
    c->ready_summary |= 1u << p;
    t->processor = c->number;
    t->state = Ready;
}

static void queue_remove(KI_DISPATCHER *d, PETHREAD t)
{
    KI_PROCESSOR *c = &d->cpus[t->processor];
    int p = t->queued_priority;
    RemoveEntryList(&t->ready_link);
    if (IsListEmpty(&c->ready[p]))
        c->ready_summary &= ~(1u << p);
}

/* Changes what processor c runs, and says so in the trace. */
static void set_current(pssim_machine *m, KI_PROCESSOR *c, PETHREAD t)
{
    PETHREAD old = c->current;
    if (old != t) {
        if (t)
            PSSIM_TRACE_CONTEXT_SWITCH(m, c->number, old ? old->tid : c->last_tid, t->tid);
        else
            PSSIM_TRACE_IDLE(m, c->number, old ? old->tid : NULL);
        if (old)
            c->last_tid = old->tid;
    }
    c->current = t;
}

/* Puts t on processor c now (t was chosen to run there). */
static void assign(pssim_machine *m, KI_PROCESSOR *c, PETHREAD t)
{
    if (c->clock_ns < m->now_ns)
        c->clock_ns = m->now_ns; /* an idle processor's clock jumps to the present */
    set_current(m, c, t);
    t->processor = c->number;
    t->state = Running;
    if (t->quantum_left_ns == 0)
        t->quantum_left_ns = m->cfg.quantum_ns;
}

/* Accounts the work a thread on c did from c's clock up to `now`. */
static void account(KI_PROCESSOR *c, uint64_t now)
{
    PETHREAD t = c->current;
    uint64_t elapsed = now > c->clock_ns ? now - c->clock_ns : 0;
    if (t && t->in_work) {
        t->work_left_ns -= elapsed < t->work_left_ns ? elapsed : t->work_left_ns;
        t->quantum_left_ns -= elapsed < t->quantum_left_ns ? elapsed : t->quantum_left_ns;
    }
    if (c->clock_ns < now)
        c->clock_ns = now;
}

void KiReadyThread(pssim_machine *m, PETHREAD t)
{
    KI_DISPATCHER *d = m->ke;
    t->quantum_left_ns = m->cfg.quantum_ns; /* a thread that waited starts a fresh quantum */
    /* 1. An idle processor of its affinity: the ideal one first, then the lowest number. */
    if (t->ideal_processor < d->cpu_count && allowed(t, t->ideal_processor) &&
        !d->cpus[t->ideal_processor].current) {
        PSSIM_TRACE_READY(m, t->tid, t->ideal_processor);
        assign(m, &d->cpus[t->ideal_processor], t);
        return;
    }
    for (uint32_t i = 0; i < d->cpu_count; i++) {
        if (allowed(t, i) && !d->cpus[i].current) {
            PSSIM_TRACE_READY(m, t->tid, i);
            assign(m, &d->cpus[i], t);
            return;
        }
    }
    /* 2. Preempt the lowest-priority running thread below it (SCHED-2: at once). */
    KI_PROCESSOR *victim_cpu = NULL;
    for (uint32_t i = 0; i < d->cpu_count; i++) {
        PETHREAD v = d->cpus[i].current;
        /* Nothing preempts a thread at DISPATCH_LEVEL or above (IRQL-1). */
        if (allowed(t, i) && v && v->priority < t->priority && v->irql < DISPATCH_LEVEL &&
            (!victim_cpu || v->priority < victim_cpu->current->priority))
            victim_cpu = &d->cpus[i];
    }
    if (victim_cpu) {
        PETHREAD v = victim_cpu->current;
        PSSIM_TRACE_READY(m, t->tid, victim_cpu->number);
        account(victim_cpu, m->now_ns);
        queue_insert(m, victim_cpu, v, true); /* a preempted thread keeps its place (SCHED-2) */
        set_current(m, victim_cpu, NULL);
        assign(m, victim_cpu, t);
        if (v == d->running_thread)
            d->preempt_running = true; /* the caller yields as soon as its call returns */
        return;
    }
    /* 3. Wait in the queue of its ideal processor (or the first it may use). */
    uint32_t home = t->ideal_processor;
    if (home >= d->cpu_count || !allowed(t, home))
        for (home = 0; home < d->cpu_count && !allowed(t, home); home++)
            ;
    PSSIM_TRACE_READY(m, t->tid, home);
    queue_insert(m, &d->cpus[home], t, false);
}

/* The highest-priority ready thread that may run on c: its own queue first, then the others. */
static PETHREAD pick_next(KI_DISPATCHER *d, KI_PROCESSOR *c)
{
    for (int p = KI_PRIORITIES - 1; p >= 0; p--) {
        for (uint32_t k = 0; k < d->cpu_count; k++) {
            KI_PROCESSOR *q = &d->cpus[(c->number + k) % d->cpu_count];
            if (!(q->ready_summary & (1u << p)))
                continue;
            for (LIST_ENTRY *e = q->ready[p].Flink; e != &q->ready[p]; e = e->Flink) {
                PETHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, ready_link);
                if (allowed(t, c->number)) {
                    queue_remove(d, t);
                    return t;
                }
            }
        }
    }
    return NULL;
}

static bool ready_at_or_above(KI_DISPATCHER *d, KI_PROCESSOR *c, int priority)
{
    for (int p = KI_PRIORITIES - 1; p >= priority; p--)
        for (uint32_t k = 0; k < d->cpu_count; k++) {
            KI_PROCESSOR *q = &d->cpus[k];
            if (!(q->ready_summary & (1u << p)))
                continue;
            for (LIST_ENTRY *e = q->ready[p].Flink; e != &q->ready[p]; e = e->Flink)
                if (allowed(CONTAINING_RECORD(e, struct _KTHREAD, ready_link), c->number))
                    return true;
        }
    return false;
}

void KiIrqlLowered(pssim_machine *m)
{
    KI_DISPATCHER *d = m->ke;
    if (!d || !d->running_thread || d->running_thread != m->current_thread)
        return;
    PETHREAD t = d->running_thread;
    if (t->irql >= DISPATCH_LEVEL)
        return;
    if (!((t->affinity >> t->processor) & 1)) {
        KiMigrateIfNeeded(m, t); /* SCHED-8: the affinity move waited for the IRQL to drop */
        return;
    }
    KI_PROCESSOR *c = &d->cpus[t->processor];
    if (!ready_at_or_above(d, c, t->priority + 1))
        return;
    /* The preemption that waited for the IRQL to drop happens now (IRQL-1). */
    queue_insert(m, c, t, true);
    set_current(m, c, NULL);
    PETHREAD n = pick_next(d, c);
    if (n)
        assign(m, c, n);
    KiSwitchToScheduler(m, KI_YIELD_PREEMPT);
}

void KiSwitchToScheduler(pssim_machine *m, KI_YIELD why)
{
    KI_DISPATCHER *d = m->ke;
    PETHREAD t = d->running_thread;
    d->last_yield = why;
    pssim_kstack_saved own_stack = pssim__kstack_save(m);
    pssim__context_switch(d->exec, t->context, pssim__exec_main(d->exec));
    /* Resumed by the scheduler: it has made this thread current again. */
    pssim__kstack_restore(m, own_stack);
    if (!m->bugchecked)
        KI_CHECK_KERNEL_APCS(m); /* APC-5: kernel APCs queued while it was off its processor */
}

/* Switches into t on processor c until t's next scheduling point. */
/* The dispatcher's invariants, checked on the processor about to switch into a thread (each
 * processor is checked every time it switches): every ready list its summary bitmap marks is
 * non-empty and headed by a Ready thread queued there at that priority (queue_insert and
 * queue_remove are the only writers of the lists and keep unmarked lists empty), and the thread
 * about to run is Running there. The cost is one step per marked list, so the check stays on in
 * every build. A failure is a simulator bug: it stops the test program with the broken
 * invariant, never a driver's fault. */
static void invariant_failed(const char *what, uint32_t cpu, int priority)
{
    fprintf(stderr, "pssim: dispatcher invariant broken: %s (processor %u, priority %d)\n", what,
            (unsigned)cpu, priority);
    abort();
}

static void check_invariants(KI_PROCESSOR *c, PETHREAD next)
{
    for (uint32_t marked = c->ready_summary; marked; marked &= marked - 1) {
        int p = __builtin_ctz(marked);
        if (IsListEmpty(&c->ready[p]))
            invariant_failed("a ready list the summary marks is empty", c->number, p);
        PETHREAD h = CONTAINING_RECORD(c->ready[p].Flink, struct _KTHREAD, ready_link);
        if (h->state != Ready || h->queued_priority != p || h->processor != c->number)
            invariant_failed("a queued thread is not Ready in that list", c->number, p);
    }
    if (c->current != next || next->state != Running || next->processor != c->number)
        invariant_failed("the thread to run is not Running on its processor", c->number,
                         next->priority);
}

static void run_thread(pssim_machine *m, KI_PROCESSOR *c, PETHREAD t)
{
    KI_DISPATCHER *d = m->ke;
    PETHREAD host = m->current_thread;
    d->running_thread = t;
    d->preempt_running = false;
    m->current_thread = t;
    if (m->now_ns < c->clock_ns)
        m->now_ns = c->clock_ns;
    pssim_kstack_saved host_stack = pssim__kstack_save(m); /* t's stack keeps its own mark */
    pssim_switch_result r = pssim__context_switch(d->exec, pssim__exec_main(d->exec), t->context);
    pssim__kstack_restore(m, host_stack);
    d->running_thread = NULL;
    m->current_thread = host;
    if (r == PSSIM_SWITCH_STACK_OVERFLOW) {
        d->last_yield = KI_YIELD_EXIT;
        set_current(m, c, NULL);
        pssim__kstack_guard_hit(m, t); /* 0x7F, P1 = 8 */
    }
}

static void finish_thread(pssim_machine *m, KI_PROCESSOR *c, PETHREAD t)
{
    if (c->current == t) /* not when a thread it woke as it exited has taken the processor */
        set_current(m, c, NULL);
    pssim__context_destroy(m->ke->exec, t->context);
    t->context = NULL;
    ObpDereference(m, t); /* the dispatcher's reference, held while the context lived */
}

void KiKillThread(pssim_machine *m, PETHREAD t)
{
    KI_DISPATCHER *d = m->ke;
    if (!d || !t->context)
        return;
    if (t->state == Ready)
        queue_remove(d, t);
    KiCancelWait(m, t);
    for (uint32_t i = 0; i < d->cpu_count; i++) {
        KI_PROCESSOR *c = &d->cpus[i];
        if (c->current == t) {
            account(c, m->now_ns);
            set_current(m, c, NULL);
            PETHREAD n = pick_next(d, c);
            if (n)
                assign(m, c, n);
        }
    }
    t->in_work = false;
    pssim__context_destroy(d->exec, t->context);
    t->context = NULL;
    ObpDereference(m, t); /* the dispatcher's reference */
}

/* The balance-set manager's starvation relief (SCHED-4 and docs/execution.md): once a second
 * of virtual time, a thread ready for about 4 s or more gets priority 15 for one quantum. */
#define KI_BALANCE_PERIOD_NS 1000000000ULL
#define KI_STARVATION_NS 4000000000ULL

static void balance_set_manager(pssim_machine *m)
{
    KI_DISPATCHER *d = m->ke;
    d->next_balance_ns = m->now_ns + KI_BALANCE_PERIOD_NS;
    for (uint32_t i = 0; i < d->cpu_count; i++) {
        KI_PROCESSOR *c = &d->cpus[i];
        for (int p = 0; p < 15; p++) {
            LIST_ENTRY *e = c->ready[p].Flink;
            while (e != &c->ready[p]) {
                PETHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, ready_link);
                e = e->Flink;
                if (m->now_ns - t->ready_since_ns < KI_STARVATION_NS)
                    continue;
                queue_remove(d, t);
                t->priority = 15;
                t->relief = true;
                t->quantum_left_ns = m->cfg.quantum_ns;
                KiReadyThread(m, t);
            }
        }
    }
}

static void append(char *buf, size_t size, const char *fmt, ...)
{
    size_t n = strlen(buf);
    if (n + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, size - n, fmt, ap);
    va_end(ap);
}

static void write_deadlock_report(pssim_machine *m)
{
    KI_DISPATCHER *d = m->ke;
    d->report[0] = 0;
    append(d->report, sizeof(d->report),
           "possible deadlock at %llu ns: no thread can run and no timer is due.\n",
           (unsigned long long)m->now_ns);
    for (LIST_ENTRY *e = m->process_list.Flink; e != &m->process_list; e = e->Flink) {
        PEPROCESS p = CONTAINING_RECORD(e, struct _KPROCESS, machine_link);
        for (LIST_ENTRY *f = p->thread_list.Flink; f != &p->thread_list; f = f->Flink) {
            PETHREAD t = CONTAINING_RECORD(f, struct _KTHREAD, process_link);
            if (!t->context || t->state != Waiting || t->worker_idle)
                continue;
            append(d->report, sizeof(d->report),
                   "  thread TID %lu of PID %lu (%s) waits since %llu ns on %s %p\n",
                   (unsigned long)(uintptr_t)t->tid, (unsigned long)(uintptr_t)p->pid,
                   p->image_file_name, (unsigned long long)t->wait_since_ns,
                   KiDescribeObject(m, KiFirstWaitObject(t)), KiFirstWaitObject(t));
        }
    }
}

const char *pssim_machine_report(const pssim_machine *m)
{
    return m && m->ke ? m->ke->report : "";
}

/* Expires the earliest timer: its thread's wait ends (KiExpireTimer in wait.c). */
NTSTATUS KiRunScheduler(pssim_machine *m, uint64_t until_ns, PETHREAD waiter)
{
    bool for_host = waiter != NULL;
    KI_DISPATCHER *d = m->ke;
    d->running = true;
    NTSTATUS result;
    for (;;) {
        if (m->bugchecked) {
            result = PSSIM_STATUS_BUGCHECK;
            break;
        }
        if (for_host && !waiter->waiting) {
            result = STATUS_SUCCESS;
            break;
        }
        if (m->now_ns >= d->next_balance_ns)
            balance_set_manager(m);
        /* The earliest event: a timer (first on ties), or the busy processor that is due. */
        uint64_t best = UINT64_MAX;
        KI_PROCESSOR *best_cpu = NULL;
        for (uint32_t i = 0; i < d->cpu_count; i++) {
            KI_PROCESSOR *c = &d->cpus[i];
            PETHREAD t = c->current;
            if (!t)
                continue;
            uint64_t due = c->clock_ns;
            if (t->in_work) {
                uint64_t step =
                    t->work_left_ns < t->quantum_left_ns ? t->work_left_ns : t->quantum_left_ns;
                due += step;
            }
            if (due < best) {
                best = due;
                best_cpu = c;
            }
        }
        /* Nothing runs and no thread with a body is left: the run is over, whatever timers the
         * machine still has set (a periodic KTIMER ticks forever). */
        if (best == UINT64_MAX && d->body_threads_alive == 0 &&
            !(for_host && waiter->wait_timer_armed)) {
            if (for_host) {
                write_deadlock_report(m);
                result = STATUS_POSSIBLE_DEADLOCK;
            } else {
                result = STATUS_SUCCESS;
            }
            break;
        }
        PETHREAD timer = IsListEmpty(&d->timers)
                             ? NULL
                             : CONTAINING_RECORD(d->timers.Flink, struct _KTHREAD, timer_link);
        uint64_t next = best;
        if (timer && timer->wait_due_ns <= next)
            next = timer->wait_due_ns;
        PKTIMER kt = KiFirstTimer(m);
        if (kt && kt->DueTime.QuadPart <= next)
            next = kt->DueTime.QuadPart;
        /* While variable-priority threads wait in ready queues, the balance-set manager's
         * next pass is an event too (it may relieve a starving thread). */
        bool balance_due = false;
        for (uint32_t i = 0; i < d->cpu_count && next != UINT64_MAX; i++)
            if (d->cpus[i].ready_summary & 0x7FFFu)
                balance_due = d->next_balance_ns < next;
        if (balance_due) {
            if (until_ns && d->next_balance_ns > until_ns) {
                if (m->now_ns < until_ns)
                    m->now_ns = until_ns;
                result = STATUS_TIMEOUT;
                break;
            }
            for (uint32_t i = 0; i < d->cpu_count; i++)
                account(&d->cpus[i], d->next_balance_ns > d->cpus[i].clock_ns && d->cpus[i].current
                                         ? d->next_balance_ns
                                         : d->cpus[i].clock_ns);
            if (m->now_ns < d->next_balance_ns)
                m->now_ns = d->next_balance_ns;
            balance_set_manager(m);
            continue;
        }
        if (next == UINT64_MAX) {
            if (d->body_threads_alive == 0 && !for_host) {
                result = STATUS_SUCCESS;
            } else {
                write_deadlock_report(m);
                result = STATUS_POSSIBLE_DEADLOCK;
            }
            break;
        }
        if (until_ns && next > until_ns) {
            if (m->now_ns < until_ns)
                m->now_ns = until_ns;
            result = STATUS_TIMEOUT;
            break;
        }
        if (m->now_ns < next)
            m->now_ns = next;
        if (kt && kt->DueTime.QuadPart == next &&
            (!timer || timer->wait_due_ns > next || timer->wait_due_ns >= kt->DueTime.QuadPart)) {
            KiExpireKTimer(m, kt);
            continue;
        }
        if (timer && timer->wait_due_ns <= best) {
            KiExpireTimer(m, timer);
            continue;
        }
        KI_PROCESSOR *c = best_cpu;
        account(c, next);
        PETHREAD t = c->current;
        bool quantum_end = t->in_work && t->quantum_left_ns == 0;
        if (quantum_end) {
            /* Quantum end (SCHED-2, -7): a boost decays one level, never below the base and
             * never for real-time threads (SCHED-4); starvation relief lasts one quantum;
             * then round robin among equal priorities. */
            t->quantum_left_ns = m->cfg.quantum_ns;
            if (t->relief) {
                t->relief = false;
                t->priority = t->base_priority;
            } else if (t->priority > t->base_priority && t->base_priority < LOW_REALTIME_PRIORITY) {
                t->priority--;
            }
            if (t->irql < DISPATCH_LEVEL && ready_at_or_above(d, c, t->priority)) {
                queue_insert(m, c, t, false);
                set_current(m, c, NULL);
                PETHREAD n = pick_next(d, c);
                if (n)
                    assign(m, c, n);
                continue;
            }
        }
        if (t->in_work && t->work_left_ns > 0)
            continue; /* more work on a fresh quantum */
        t->in_work = false;
        check_invariants(c, t);
        run_thread(m, c, t);
        switch (d->last_yield) {
        case KI_YIELD_WORK:
            t->in_work = t->work_left_ns > 0;
            break;
        case KI_YIELD_PREEMPT:
            break; /* KiReadyThread already moved it and put the new thread on c */
        case KI_YIELD_WAIT:
        case KI_YIELD_EXIT:
            if (d->preempt_running) {
                /* Its own call (a wake at exit, say) readied a thread that took its processor
                 * and put it in a ready queue; it is not ready, it waits or is gone. */
                queue_remove(d, t);
                d->preempt_running = false;
            }
            if (c->current == t)
                set_current(m, c, NULL);
            if (d->last_yield == KI_YIELD_EXIT && t->context)
                finish_thread(m, c, t);
            if (!c->current) {
                PETHREAD n = pick_next(d, c);
                if (n)
                    assign(m, c, n);
            }
            break;
        }
    }
    d->running = false;
    return result;
}

void pssim_thread_params_init(pssim_thread_params *p)
{
    if (p)
        memset(p, 0, sizeof(*p));
}

static NTSTATUS run_body(pssim_machine *m, void *arg)
{
    uint64_t until = *(uint64_t *)arg;
    if (!KiDispatcher(m))
        return STATUS_INSUFFICIENT_RESOURCES;
    if (m->current_thread != m->host_thread || m->ke->running)
        return STATUS_INVALID_DEVICE_STATE; /* only the host runs the machine, once at a time */
    return KiRunScheduler(m, until, NULL);
}

NTSTATUS pssim_machine_run(pssim_machine *m, uint64_t until_ns)
{
    return pssim__control_call(m, run_body, &until_ns);
}

void KiChargeKernelCalls(pssim_machine *m)
{
    PETHREAD t = KI_RUNNING_BODY(m);
    if (!t || t->kernel_debt_ns == 0 || m->bugchecked)
        return;
    uint64_t ns = t->kernel_debt_ns;
    t->kernel_debt_ns = 0;
    t->work_left_ns = ns;
    PSSIM_TRACE_WORK(m, t->processor, t->tid, ns);
    KiSwitchToScheduler(m, KI_YIELD_WORK);
}

void pssim_cpu_work(uint64_t ns)
{
    pssim_machine *m = pssim__machine_in_force();
    if (!m || m->bugchecked)
        return;
    PETHREAD t = KI_RUNNING_BODY(m);
    if (!t) {
        m->now_ns += ns; /* the host computing between runs: time simply passes */
        return;
    }
    ns += t->kernel_debt_ns; /* what its kernel calls since the last scheduling point cost */
    t->kernel_debt_ns = 0;
    t->work_left_ns = ns;
    PSSIM_TRACE_WORK(m, t->processor, t->tid, ns);
    KiSwitchToScheduler(m, KI_YIELD_WORK);
}

ULONG KeQueryActiveProcessorCount(PKAFFINITY ActiveProcessors)
{
    pssim_machine *m = pssim__current_machine();
    ULONG n = m ? m->cfg.cpu_count : 1;
    if (ActiveProcessors)
        *ActiveProcessors = n >= 64 ? ~(KAFFINITY)0 : (((KAFFINITY)1 << n) - 1);
    return n;
}

ULONG KeQueryActiveProcessorCountEx(USHORT GroupNumber)
{
    if (GroupNumber != 0 && GroupNumber != ALL_PROCESSOR_GROUPS)
        return 0; /* SCHED-9: one group */
    return KeQueryActiveProcessorCount(NULL);
}

ULONG KeGetCurrentProcessorNumberEx(PPROCESSOR_NUMBER ProcNumber)
{
    pssim_machine *m = pssim__current_machine();
    ULONG n = 0;
    if (m && m->ke && m->ke->running_thread)
        n = m->ke->running_thread->processor;
    if (ProcNumber) {
        ProcNumber->Group = 0;
        ProcNumber->Number = (UCHAR)n;
        ProcNumber->Reserved = 0;
    }
    return n;
}

/* Re-places t after its priority changed: in its queue, or on its processor (SCHED-5: a lower
 * priority may reschedule it at once). */
static void priority_changed(pssim_machine *m, PETHREAD t)
{
    KI_DISPATCHER *d = m->ke;
    if (!d || !t->context)
        return;
    if (t->state == Ready) {
        queue_remove(d, t);
        KiReadyThread(m, t);
        KiYieldIfPreempted(m); /* SCHED-2: a caller it now outranks loses the processor at once */
    } else if (t->state == Running && t == d->running_thread && t->irql < DISPATCH_LEVEL &&
               ready_at_or_above(d, &d->cpus[t->processor], t->priority + 1)) {
        KI_PROCESSOR *c = &d->cpus[t->processor];
        queue_insert(m, c, t, true);
        set_current(m, c, NULL);
        PETHREAD n = pick_next(d, c);
        if (n)
            assign(m, c, n);
        KiSwitchToScheduler(m, KI_YIELD_PREEMPT);
    }
}

static bool check_passive(pssim_machine *m, const char *api)
{
    KIRQL irql = m->current_thread->irql;
    if (irql == PASSIVE_LEVEL)
        return true;
    pssim__bugcheck(m, 0xC4, 0xE5, irql, 0, 0,
                    "%s at IRQL %u; it must be called at PASSIVE_LEVEL (IRQL-3).", api,
                    (unsigned)irql);
    return false;
}

KPRIORITY KeSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority)
{
    pssim_machine *m = pssim__current_machine();
    if (!ObpIsLiveObject(m, Thread) || !check_passive(m, "KeSetPriorityThread"))
        return 0;
    if (Priority < LOW_PRIORITY + 1)
        Priority = LOW_PRIORITY + 1; /* SCHED-5: priority 0 belongs to the zero-page thread */
    if (Priority > HIGH_PRIORITY)
        Priority = HIGH_PRIORITY;
    KPRIORITY old = Thread->priority;
    Thread->priority = Priority;
    Thread->base_priority = Priority;
    Thread->relief = false;
    priority_changed(m, Thread);
    return old;
}

LONG KeSetBasePriorityThread(PKTHREAD Thread, LONG Increment)
{
    pssim_machine *m = pssim__current_machine();
    if (!ObpIsLiveObject(m, Thread) || !check_passive(m, "KeSetBasePriorityThread"))
        return 0;
    KPRIORITY process_base = Thread->process->base_priority;
    LONG old = Thread->base_priority - process_base;
    /* SCHED-6: the base never crosses between the variable and the real-time ranges. */
    KPRIORITY lo = process_base >= LOW_REALTIME_PRIORITY ? LOW_REALTIME_PRIORITY : 1;
    KPRIORITY hi = process_base >= LOW_REALTIME_PRIORITY ? HIGH_PRIORITY : 15;
    KPRIORITY base = process_base + Increment;
    base = base < lo ? lo : base > hi ? hi : base;
    Thread->base_priority = base;
    Thread->priority = base;
    priority_changed(m, Thread);
    return old;
}

KAFFINITY KeSetSystemAffinityThreadEx(KAFFINITY Affinity)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return 0;
    PETHREAD t = m->current_thread;
    KAFFINITY all =
        m->cfg.cpu_count >= 64 ? ~(KAFFINITY)0 : (((KAFFINITY)1 << m->cfg.cpu_count) - 1);
    KAFFINITY previous = t->system_affinity_set ? t->affinity : 0;
    /* SCHED-8: bits for processors that do not exist, or no active processor: ignored. */
    if (!(Affinity & all))
        return previous;
    if (!t->system_affinity_set)
        t->user_affinity = t->affinity;
    t->system_affinity_set = true;
    t->affinity = Affinity & all;
    KiMigrateIfNeeded(m, t);
    return previous;
}

VOID KeRevertToUserAffinityThreadEx(KAFFINITY Affinity)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return;
    PETHREAD t = m->current_thread;
    if (!t->system_affinity_set)
        return; /* SCHED-8: no effect without a preceding set */
    KAFFINITY all =
        m->cfg.cpu_count >= 64 ? ~(KAFFINITY)0 : (((KAFFINITY)1 << m->cfg.cpu_count) - 1);
    if (Affinity) {
        /* SCHED-8: like the set, processors that do not exist are ignored, and a mask with
         * none that exists changes nothing. */
        if (!(Affinity & all))
            return;
        t->affinity = Affinity & all;
    } else {
        t->affinity = t->user_affinity;
        t->system_affinity_set = false;
    }
    KiMigrateIfNeeded(m, t);
}

void KiMigrateIfNeeded(pssim_machine *m, PETHREAD t)
{
    KI_DISPATCHER *d = m->ke;
    if (!d || t != d->running_thread || ((t->affinity >> t->processor) & 1))
        return;
    if (t->irql >= DISPATCH_LEVEL)
        return; /* SCHED-8: the move happens when the IRQL drops */
    /* Off this processor, onto one it may use. */
    KI_PROCESSOR *c = &d->cpus[t->processor];
    set_current(m, c, NULL);
    PETHREAD n = pick_next(d, c);
    if (n)
        assign(m, c, n);
    KiReadyThread(m, t);
    d->preempt_running = false;
    KiSwitchToScheduler(m, KI_YIELD_PREEMPT);
}

KPRIORITY KeQueryPriorityThread(PKTHREAD Thread)
{
    pssim_machine *m = pssim__current_machine();
    if (!ObpIsLiveObject(m, Thread))
        return 0;
    return Thread->priority;
}
