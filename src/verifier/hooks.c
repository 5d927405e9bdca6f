/* hooks.c: where the verifier's rules look at what a driver does (docs/verifier.md). */
#include "core/machine.h"
#include "ke/ke.h"
#include "ob/ob.h"
#include "verifier/verifier.h"

void pssim__verifier_routine_enter(pssim_machine *m, pssim_verifier_call *c,
                                   const pssim_driver *drv, const void *routine, const char *what)
{
    PETHREAD t = m->current_thread;
    c->outer = t->vframe;
    c->drv = drv;
    c->routine = routine;
    c->what = what;
    c->slot = NULL;
    c->start_ns = m->now_ns;
    c->start_calls = t->kernel_calls;
    c->queued_work = false;
    c->locks_at_entry = pssim__verifier_locks_held(m);
    t->vframe = c;
    pssim__verifier_stack_enter(m, c);
}

pssim_verifier_call *pssim__verifier_current_call(const pssim_machine *m)
{
    return m->current_thread ? m->current_thread->vframe : NULL;
}

/* GUIDE-1: the call just made took more virtual time or kernel calls than the budget. */
void pssim__verifier_routine_leave(pssim_machine *m, pssim_verifier_call *c)
{
    m->current_thread->vframe = c->outer;
    pssim__verifier_check_locks_at_return(m, c, c->locks_at_entry);
    pssim__verifier_stack_leave(m, c);
    if (!pssim__verifier_on(m, PSSIM_VRULE_SLOW_ROUTINE) || m->bugchecked)
        return;
    uint64_t ns = m->now_ns - c->start_ns;
    uint32_t calls = m->current_thread->kernel_calls - c->start_calls;
    if (ns <= m->cfg.verifier_budget_ns && calls <= m->cfg.verifier_budget_calls)
        return;
    pssim__verifier_report(m, PSSIM_VRULE_SLOW_ROUTINE, c->drv, c->routine, NULL,
                           "the %s took %llu ns of virtual time and %u kernel calls (budget %llu "
                           "ns, %u calls): notify routines and Ob callbacks must do little and "
                           "return fast (GUIDE-1). Fix: record what you need and hand the rest to "
                           "a work item or a system thread (GUIDE-6).",
                           c->what, (unsigned long long)ns, (unsigned)calls,
                           (unsigned long long)m->cfg.verifier_budget_ns,
                           (unsigned)m->cfg.verifier_budget_calls);
}

void pssim__verifier_work_queued(pssim_machine *m)
{
    pssim_verifier_call *c = pssim__verifier_current_call(m);
    if (c)
        c->queued_work = true;
}

/* GUIDE-6: waiting for work the routine handed off: after queueing a work item, or on a thread
 * of its own driver. */
static bool check_own_work(pssim_machine *m, pssim_verifier_call *c, const char *api,
                           void *const *objects, unsigned long count)
{
    if (!pssim__verifier_on(m, PSSIM_VRULE_WAIT_FOR_OWN_WORK))
        return false;
    bool own_thread = false;
    for (unsigned long i = 0; i < count && !own_thread; i++) {
        PETHREAD w = objects[i];
        own_thread = ObpIsLiveObject(m, w) &&
                     OBJECT_TO_OBJECT_HEADER(w)->type == &PspThreadObjectType && c->drv &&
                     w->current_driver == c->drv;
    }
    if (!c->queued_work && !own_thread)
        return false;
    pssim__verifier_report(m, PSSIM_VRULE_WAIT_FOR_OWN_WORK, c->drv, c->routine, api,
                           "%s inside a %s %s: hand slow work to a worker thread and do not wait "
                           "for it (GUIDE-6, WORK-10); the routine's thread, and the worker it "
                           "waits for, can deadlock. Fix: return, and let the work item or thread "
                           "finish on its own.",
                           api, c->what,
                           own_thread ? "waits for a thread of its own driver"
                                      : "waits after queueing a work item");
    return true;
}

void pssim__verifier_blocking_call(pssim_machine *m, const char *api, void *const *objects,
                                   unsigned long count)
{
    pssim_verifier_call *c = pssim__verifier_current_call(m);
    if (!c)
        return;
    /* A wait for the routine's own work is reported once, as the more specific GUIDE-6. */
    if (check_own_work(m, c, api, objects, count) ||
        !pssim__verifier_on(m, PSSIM_VRULE_BLOCKING_CALL) || m->bugchecked)
        return;
    pssim__verifier_report(m, PSSIM_VRULE_BLOCKING_CALL, c->drv, c->routine, api,
                           "%s inside a %s can block: notify routines and Ob callbacks must not "
                           "make calls that block (GUIDE-4); the creating or exiting thread, and "
                           "every routine after this one, wait with it. Fix: use a zero timeout, "
                           "or queue the work to a worker thread and do not wait for it "
                           "(GUIDE-6).",
                           api, c->what);
}

void pssim__verifier_memory_freed(pssim_machine *m, const void *p, size_t size)
{
    pssim__verifier_locks_memory_freed(m, p, size);
    pssim__verifier_races_memory_freed(m, p, size);
}

void pssim__verifier_forbidden_call(pssim_machine *m, pssim_verifier_rule rule, const char *api)
{
    pssim_verifier_call *c = pssim__verifier_current_call(m);
    if (!c || !pssim__verifier_on(m, rule) || m->bugchecked)
        return;
    switch (rule) {
    case PSSIM_VRULE_USER_MODE_CALL:
        pssim__verifier_report(m, rule, c->drv, c->routine, api,
                               "%s inside a %s asks a user-mode service: \"do not call into a "
                               "user-mode service to vet the process, thread or image\" "
                               "(GUIDE-2). The thread waits for a process that may itself be "
                               "waiting for this one (the service's own process or thread "
                               "creation, a handle it opens): a hang or a deadlock, and every "
                               "routine after this one waits too. Fix: record what you need and "
                               "return; send from a work item or a system thread, or let the "
                               "service poll, and act on the decision asynchronously.",
                               api, c->what);
        break;
    case PSSIM_VRULE_REGISTRY_CALL:
        pssim__verifier_report(m, rule, c->drv, c->routine, api,
                               "%s inside a %s touches the registry: notify routines and Ob "
                               "callbacks must not (GUIDE-3); the registry's own locks and I/O "
                               "can wait on the thread this routine interrupted. Fix: read "
                               "settings in DriverEntry and keep them in memory, or write from a "
                               "work item.",
                               api, c->what);
        break;
    default:
        pssim__verifier_report(m, rule, c->drv, c->routine, api, "%s inside a %s (%s).", api,
                               c->what, pssim_verifier_rule_guideline(rule));
        break;
    }
}
