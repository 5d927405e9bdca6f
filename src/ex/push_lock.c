/* push_lock.c: EX_PUSH_LOCK (SYNC-10): small, unfair, shared/exclusive, not recursive for
 * exclusive. The lock word holds the state: bit 0 exclusive, bits 1-15 exclusive waiters,
 * bits 16 and up the shared holders; a release wakes every push-lock waiter of the machine,
 * and each re-checks its own lock (fair enough for a simulation, and deterministic). */
#include "core/machine.h"
#include "ke/ke.h"

#define PL_EXCLUSIVE ((ULONG_PTR)1)
#define PL_WAITER_ONE ((ULONG_PTR)1 << 1)
#define PL_WAITERS_MASK ((ULONG_PTR)0xFFFE)
#define PL_SHARE_ONE ((ULONG_PTR)1 << 16)

static bool check(pssim_machine *m, PEX_PUSH_LOCK lock, ULONG subcode, const char *api)
{
    if (!m || !lock || m->bugchecked)
        return false;
    PETHREAD t = m->current_thread;
    if (t->irql > APC_LEVEL) {
        pssim__bugcheck(m, 0xC4, 0xE5, t->irql, (ULONG_PTR)lock, 0,
                        "%s at IRQL %u; push locks are used at IRQL <= APC_LEVEL (SYNC-10).", api,
                        (unsigned)t->irql);
        return false;
    }
    if (t->kernel_apc_disable == 0 && t->irql < APC_LEVEL) {
        pssim__bugcheck(m, 0xC4, subcode, (ULONG_PTR)lock, 0, 0,
                        "%s(%p) with normal kernel APCs enabled: enter a critical region first "
                        "(SYNC-10).",
                        api, (void *)lock);
        return false;
    }
    return true;
}

static void wait_for_release(pssim_machine *m)
{
    if (!m->push_lock_event_ready) {
        KeInitializeEvent(&m->push_lock_released, NotificationEvent, FALSE);
        m->push_lock_event_ready = true;
    }
    KiWaitForObject(m, &m->push_lock_released, false, 0, WrExecutive);
}

static void wake_all(pssim_machine *m)
{
    if (!m->push_lock_event_ready)
        return;
    /* Wake every waiter, clear the event, and only then give the processor away if a woken
     * waiter outranks us: a waiter arriving later must block, not find it still set. */
    m->push_lock_released.Header.SignalState = 1;
    KiWakeWaiters(m, &m->push_lock_released.Header, 0);
    m->push_lock_released.Header.SignalState = 0;
    KiYieldIfPreempted(m);
}

static bool holds_exclusive(PETHREAD t, PEX_PUSH_LOCK lock, uint32_t *index)
{
    for (uint32_t i = 0; i < t->push_locks_exclusive_count && i < 2; i++)
        if (t->push_locks_exclusive[i] == lock) {
            if (index)
                *index = i;
            return true;
        }
    return false;
}

VOID ExInitializePushLock(PEX_PUSH_LOCK PushLock)
{
    if (PushLock)
        *PushLock = 0;
}

VOID ExAcquirePushLockExclusiveEx(PEX_PUSH_LOCK PushLock, ULONG Flags)
{
    (void)Flags;
    pssim_machine *m = pssim__current_machine();
    if (!check(m, PushLock, 0xEA, "ExAcquirePushLockExclusive"))
        return;
    PETHREAD t = m->current_thread;
    if (holds_exclusive(t, PushLock, NULL)) {
        pssim__bugcheck(m, 0xC4, 0x1000, (ULONG_PTR)PushLock, 0, 0,
                        "ExAcquirePushLockExclusive(%p): the thread already holds it exclusive; "
                        "push locks are not recursive, so it would hang forever (SYNC-10).",
                        (void *)PushLock);
        return;
    }
    static const char api[] = "ExAcquirePushLockExclusive";
    const void *site = PSSIM_CALL_SITE();
    if (!pssim__verifier_lock_acquiring(m, PushLock, PSSIM_LOCK_PUSH_LOCK,
                                        (*PushLock & ~PL_WAITERS_MASK) != 0, NULL, api, site))
        return;
    while (*PushLock & ~PL_WAITERS_MASK) {
        *PushLock += PL_WAITER_ONE;
        wait_for_release(m);
        *PushLock -= PL_WAITER_ONE;
        if (m->bugchecked)
            return;
    }
    *PushLock |= PL_EXCLUSIVE;
    if (t->push_locks_exclusive_count < 2) /* deeper nesting is not tracked */
        t->push_locks_exclusive[t->push_locks_exclusive_count] = PushLock;
    t->push_locks_exclusive_count++;
    pssim__verifier_lock_acquired(m, PushLock, PSSIM_LOCK_PUSH_LOCK, false, api, site);
}

VOID ExAcquirePushLockSharedEx(PEX_PUSH_LOCK PushLock, ULONG Flags)
{
    (void)Flags;
    pssim_machine *m = pssim__current_machine();
    if (!check(m, PushLock, 0xEA, "ExAcquirePushLockShared"))
        return;
    static const char api[] = "ExAcquirePushLockShared";
    const void *site = PSSIM_CALL_SITE();
    if (!pssim__verifier_lock_acquiring(m, PushLock, PSSIM_LOCK_PUSH_LOCK,
                                        (*PushLock & PL_EXCLUSIVE) || (*PushLock & PL_WAITERS_MASK),
                                        NULL, api, site))
        return;
    /* Shared requests wait while it is held exclusive or an exclusive request waits. */
    while ((*PushLock & PL_EXCLUSIVE) || (*PushLock & PL_WAITERS_MASK)) {
        wait_for_release(m);
        if (m->bugchecked)
            return;
    }
    *PushLock += PL_SHARE_ONE;
    pssim__verifier_lock_acquired(m, PushLock, PSSIM_LOCK_PUSH_LOCK, true, api, site);
}

VOID ExReleasePushLockExclusiveEx(PEX_PUSH_LOCK PushLock, ULONG Flags)
{
    (void)Flags;
    pssim_machine *m = pssim__current_machine();
    if (!check(m, PushLock, 0xEB, "ExReleasePushLockExclusive"))
        return;
    PETHREAD t = m->current_thread;
    uint32_t i;
    if (!(*PushLock & PL_EXCLUSIVE) || !holds_exclusive(t, PushLock, &i)) {
        pssim__bugcheck(m, 0xC4, 0x1007, (ULONG_PTR)PushLock, 0, 0,
                        "ExReleasePushLockExclusive(%p): this thread does not hold it exclusive "
                        "(Verifier: release of a lock not acquired).",
                        (void *)PushLock);
        return;
    }
    t->push_locks_exclusive[i] = t->push_locks_exclusive[t->push_locks_exclusive_count - 1];
    t->push_locks_exclusive_count--;
    *PushLock &= ~PL_EXCLUSIVE;
    pssim__verifier_lock_released(m, t, PushLock);
    wake_all(m);
}

VOID ExReleasePushLockSharedEx(PEX_PUSH_LOCK PushLock, ULONG Flags)
{
    (void)Flags;
    pssim_machine *m = pssim__current_machine();
    if (!check(m, PushLock, 0xEB, "ExReleasePushLockShared"))
        return;
    if (*PushLock < PL_SHARE_ONE) {
        pssim__bugcheck(m, 0xC4, 0x1007, (ULONG_PTR)PushLock, 0, 0,
                        "ExReleasePushLockShared(%p): nobody holds it shared.", (void *)PushLock);
        return;
    }
    *PushLock -= PL_SHARE_ONE;
    pssim__verifier_lock_released(m, m->current_thread, PushLock);
    if (*PushLock < PL_SHARE_ONE)
        wake_all(m);
}
