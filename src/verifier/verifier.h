/* verifier.h: the verifier's internal interface (docs/verifier.md). The hooks are called from
 * the subsystems where a rule can be broken; each decides whether it applies, and
 * pssim__verifier_report records a report, writes it into the trace and the debug log, and for a
 * failing rule stops the machine. */
#ifndef PSSIM_VERIFIER_VERIFIER_H
#define PSSIM_VERIFIER_VERIFIER_H

#include <stdbool.h>
#include <stdint.h>

#include <pssim/pssim.h>

struct pssim_machine;
struct pssim_driver;

typedef struct pssim_verifier_state {
    uint8_t action[PSSIM_VERIFIER_RULE_COUNT]; /* resolved: OFF, WARN or FAIL */
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
    bool queued_work; /* queued a work item during this call (GUIDE-6) */
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

#endif
