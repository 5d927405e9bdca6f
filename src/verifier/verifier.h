/* verifier.h: the verifier's internal interface (docs/verifier.md). The hooks are called from
 * the subsystems where a rule can be broken; each decides whether it applies, and
 * pssim__verifier_report records a report, writes it into the trace and the debug log, and for a
 * failing rule stops the machine. */
#ifndef PSSIM_VERIFIER_VERIFIER_H
#define PSSIM_VERIFIER_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pssim/pssim.h>

struct pssim_machine;
struct pssim_driver;

typedef struct pssim_verifier_state {
    uint8_t action[PSSIM_VERIFIER_RULE_COUNT]; /* resolved: OFF, WARN or FAIL */
    struct pssim_lock_graph *locks;            /* GUIDE-5 (locks.c), made on first use */
    pssim_verifier_report *reports;
    uint32_t count, capacity;
    uint64_t dropped;
} pssim_verifier_state;

/* Resolves the config's actions (machine create). */
void pssim__verifier_init(struct pssim_machine *m);
void pssim__verifier_free(struct pssim_machine *m);
bool pssim__verifier_on(const struct pssim_machine *m, pssim_verifier_rule rule);

/* Records a report against `drv` (NULL: the host image) for `routine` (NULL: none), naming
 * `call`; the text is printf-style. For a failing rule the machine stops with 0xC4. */
void pssim__verifier_report(struct pssim_machine *m, pssim_verifier_rule rule,
                            const struct pssim_driver *drv, const void *routine, const char *call,
                            const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* ---- hooks ---- */

/* A notify routine or Ob callback is about to be called / has returned on the current thread.
 * The frame lives on the caller's C stack and is chained from the thread (t->vframe), so every
 * hook can tell which routine of which driver it is in; GUIDE-1 measures the call between the
 * two. `what` names the kind of routine ("process-notify routine", "Ob pre-operation
 * callback"). */
typedef struct pssim_verifier_call {
    struct pssim_verifier_call *outer; /* the routine this one interrupted on the thread */
    const struct pssim_driver *drv;
    const void *routine;
    const char *what;
    uint64_t start_ns;
    uint32_t start_calls;
    bool queued_work;        /* queued a work item during this call (GUIDE-6) */
    uint32_t locks_at_entry; /* locks the thread held when the routine was called */
} pssim_verifier_call;
void pssim__verifier_routine_enter(struct pssim_machine *m, pssim_verifier_call *c,
                                   const struct pssim_driver *drv, const void *routine,
                                   const char *what);
void pssim__verifier_routine_leave(struct pssim_machine *m, pssim_verifier_call *c);
/* The routine the current thread is in (innermost), or NULL. */
pssim_verifier_call *pssim__verifier_current_call(const struct pssim_machine *m);
/* A call that no notify routine or Ob callback may make (GUIDE-2, GUIDE-3): reported against the
 * routine the current thread is in, if any, for `rule`. */
void pssim__verifier_forbidden_call(struct pssim_machine *m, pssim_verifier_rule rule,
                                    const char *api);

/* GUIDE-4 and GUIDE-6: the current thread is about to block in `api` (a wait that may block)
 * on `count` objects (none for a delay). */
void pssim__verifier_blocking_call(struct pssim_machine *m, const char *api, void *const *objects,
                                   unsigned long count);
/* GUIDE-6: the current thread queued a work item (ExQueueWorkItem, IoQueueWorkItem(Ex)). */
void pssim__verifier_work_queued(struct pssim_machine *m);

/* BUGCHECK-3: DriverUnload of drv has returned; reports what it left behind. */
void pssim__verifier_unload_checks(struct pssim_machine *m, struct pssim_driver *drv);

/* ---- locks (locks.c): the lock-order graph and wait-for chains (GUIDE-5), locks held at a
 * routine's return (IMAGE-NOTIFY-12) ---- */
typedef enum pssim_lock_kind {
    PSSIM_LOCK_SPIN,
    PSSIM_LOCK_FAST_MUTEX,
    PSSIM_LOCK_GUARDED_MUTEX,
    PSSIM_LOCK_MUTEX,
    PSSIM_LOCK_RESOURCE,
    PSSIM_LOCK_PUSH_LOCK
} pssim_lock_kind;

/* The caller of the WDK routine this is used in: the driver's call site. */
#if defined(__GNUC__)
#define PSSIM_CALL_SITE() __builtin_return_address(0)
#else
#define PSSIM_CALL_SITE() ((void *)0)
#endif

bool pssim__verifier_tracks_locks(const struct pssim_machine *m);
/* The current thread is about to take `lock` and may wait for it (not a try-acquire);
 * `will_wait` when it is not free for this thread now, `owner` the thread holding it exclusive
 * if the lock tells (else the one the verifier saw take it). Adds the order edges from every lock
 * the thread holds, and when it will wait, reports GUIDE-4 inside a routine and an actual deadlock.
 * False when the machine stopped. */
bool pssim__verifier_lock_acquiring(struct pssim_machine *m, const void *lock, pssim_lock_kind kind,
                                    bool will_wait, struct _KTHREAD *owner, const char *api,
                                    const void *site);
/* The current thread now holds `lock` (every acquisition, try-acquires included). */
void pssim__verifier_lock_acquired(struct pssim_machine *m, const void *lock, pssim_lock_kind kind,
                                   bool shared, const char *api, const void *site);
/* Thread t released one hold of `lock`. */
void pssim__verifier_lock_released(struct pssim_machine *m, struct _KTHREAD *t, const void *lock);
/* Locks the current thread holds (as tracked). */
uint32_t pssim__verifier_locks_held(const struct pssim_machine *m);
void pssim__verifier_check_locks_at_return(struct pssim_machine *m, const pssim_verifier_call *c,
                                           uint32_t held_at_entry);
/* Memory [p, p + size) was freed: locks in it are forgotten. */
void pssim__verifier_memory_freed(struct pssim_machine *m, const void *p, size_t size);
void pssim__verifier_locks_free(struct pssim_machine *m);
void pssim__verifier_thread_locks_free(struct _KTHREAD *t);

#endif
