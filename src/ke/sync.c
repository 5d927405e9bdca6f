/* sync.c: kernel mutexes, semaphores, fast and guarded mutexes, and spin locks, with the bug
 * checks Windows (or Driver Verifier, SYNC-14) raises for their misuse (section 8). */
#include <string.h>

#include "core/machine.h"
#include "ke/ke.h"
#include "verifier/verifier.h"

/* Virtual time one spin of a contended spin lock costs. */
#define KI_SPIN_NS 100

static pssim_machine *machine_and_thread(PETHREAD *t)
{
    pssim_machine *m = pssim__current_machine();
    *t = m ? m->current_thread : NULL;
    return m;
}

/* An exception the kernel raises (ExRaiseStatus) that nothing handles: with no debugger,
 * KMODE_EXCEPTION_NOT_HANDLED (0x1E) with the status as parameter 1. */
static void raise_unhandled(pssim_machine *m, NTSTATUS status, const char *what)
{
    pssim__bugcheck(m, 0x1E, (ULONG_PTR)(ULONG)status, 0, 0, 0,
                    "%s raised %s and nothing handled it.", what, pssim_status_name(status));
}

/* ---- KMUTEX (SYNC-6) ---- */

VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level)
{
    (void)Level;
    if (!Mutex)
        return;
    memset(Mutex, 0, sizeof(*Mutex));
    Mutex->Header.Type = MutantObject;
    Mutex->Header.Size = (UCHAR)(sizeof(KMUTEX) / sizeof(LONG));
    Mutex->Header.SignalState = 1; /* created signaled: nobody owns it */
    InitializeListHead(&Mutex->Header.WaitListHead);
}

LONG KeReadStateMutex(PRKMUTEX Mutex)
{
    return Mutex ? Mutex->Header.SignalState : 0;
}

LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait)
{
    (void)Wait;
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (!m || !Mutex)
        return 0;
    LONG previous = Mutex->Header.SignalState;
    if (Mutex->OwnerThread != t) {
        raise_unhandled(m, STATUS_MUTANT_NOT_OWNED,
                        "KeReleaseMutex by a thread that does not own the mutex (SYNC-6)");
        return previous;
    }
    pssim__verifier_lock_released(m, t, Mutex);
    if (++Mutex->Header.SignalState == 1) {
        Mutex->OwnerThread = NULL;
        t->mutexes_owned--;
        t->kernel_apc_disable--;
        KiWakeWaiters(m, &Mutex->Header, 0); /* the next waiter becomes the owner */
        KiYieldIfPreempted(m);
        if (t->kernel_apc_disable == 0)
            KI_CHECK_KERNEL_APCS(m); /* APC-5: normal kernel APCs held off run now */
    }
    return previous;
}

/* ---- KSEMAPHORE (SYNC-13) ---- */

VOID KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit)
{
    if (!Semaphore)
        return;
    memset(Semaphore, 0, sizeof(*Semaphore));
    Semaphore->Header.Type = SemaphoreObject;
    Semaphore->Header.Size = (UCHAR)(sizeof(KSEMAPHORE) / sizeof(LONG));
    Semaphore->Header.SignalState = Count;
    Semaphore->Limit = Limit;
    InitializeListHead(&Semaphore->Header.WaitListHead);
}

LONG KeReadStateSemaphore(PRKSEMAPHORE Semaphore)
{
    return Semaphore ? Semaphore->Header.SignalState : 0;
}

LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment, BOOLEAN Wait)
{
    (void)Wait;
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (!m || !Semaphore)
        return 0;
    LONG previous = Semaphore->Header.SignalState;
    if (Adjustment <= 0 || previous > Semaphore->Limit - Adjustment) {
        /* The count stays unchanged and the exception is raised (SYNC-13). */
        raise_unhandled(m, STATUS_SEMAPHORE_LIMIT_EXCEEDED,
                        "KeReleaseSemaphore beyond the semaphore's limit (SYNC-13)");
        return previous;
    }
    Semaphore->Header.SignalState = previous + Adjustment;
    KiWakeWaiters(m, &Semaphore->Header, Increment);
    KiYieldIfPreempted(m);
    return previous;
}

/* ---- FAST_MUTEX and guarded mutexes (SYNC-7) ---- */

VOID ExInitializeFastMutex(PFAST_MUTEX FastMutex)
{
    if (!FastMutex)
        return;
    memset(FastMutex, 0, sizeof(*FastMutex));
    FastMutex->Count = FM_LOCK_BIT; /* the WDK's "free" state */
    KeInitializeEvent(&FastMutex->Event, SynchronizationEvent, FALSE);
}

/* Takes the mutex for t, waiting on its event while another thread holds it. */
static void fast_mutex_take(pssim_machine *m, PETHREAD t, PFAST_MUTEX fm, pssim_lock_kind kind,
                            const char *api, const void *site)
{
    if (fm->Owner == t) {
        /* Not recursive: on Windows this thread waits for itself forever (SYNC-7). Driver
         * Verifier's deadlock detection names it a self-deadlock (0xC4 / 0x1000). */
        pssim__bugcheck(m, 0xC4, 0x1000, (ULONG_PTR)fm, 0, 0,
                        "%s(%p): the thread already owns this fast mutex; fast and guarded "
                        "mutexes are not recursive (SYNC-7), so it would wait for itself "
                        "forever. Fix: release it before acquiring it again, or use a KMUTEX.",
                        api, (void *)fm);
        return;
    }
    if (!pssim__verifier_lock_acquiring(m, fm, kind, fm->Owner != NULL, fm->Owner, api, site))
        return;
    while (fm->Owner) {
        fm->Contention++;
        KiWaitForObject(m, &fm->Event, false, 0, WrExecutive);
        if (m->bugchecked)
            return;
    }
    fm->Owner = t;
    fm->Count = 0;
    pssim__verifier_lock_acquired(m, fm, kind, false, api, site);
}

static void fast_mutex_give(pssim_machine *m, PFAST_MUTEX fm)
{
    pssim__verifier_lock_released(m, m->current_thread, fm);
    fm->Owner = NULL;
    fm->Count = FM_LOCK_BIT;
    if (!IsListEmpty(&fm->Event.Header.WaitListHead)) {
        KeSetEvent(&fm->Event, IO_NO_INCREMENT, FALSE);
        (void)m;
    }
}

static bool check_owner(pssim_machine *m, PETHREAD t, PFAST_MUTEX fm, const char *api)
{
    if (fm->Owner == t)
        return true;
    /* Verifier 0xC4 / 0x1004: a lock released by a thread that did not acquire it. */
    pssim__bugcheck(m, 0xC4, 0x1004, (ULONG_PTR)fm, (ULONG_PTR)fm->Owner, (ULONG_PTR)t,
                    "%s(%p) by a thread that does not own it (SYNC-7: release from the "
                    "acquiring thread).",
                    api, (void *)fm);
    return false;
}

VOID FASTCALL ExAcquireFastMutex(PFAST_MUTEX FastMutex)
{
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (!m || !FastMutex || m->bugchecked)
        return;
    if (t->irql > APC_LEVEL) {
        pssim__bugcheck(m, 0xC4, 0x33, t->irql, (ULONG_PTR)FastMutex, 0,
                        "ExAcquireFastMutex at IRQL %u; it must be called at IRQL <= "
                        "APC_LEVEL (SYNC-7).",
                        (unsigned)t->irql);
        return;
    }
    KIRQL old = t->irql;
    fast_mutex_take(m, t, FastMutex, PSSIM_LOCK_FAST_MUTEX, "ExAcquireFastMutex",
                    PSSIM_CALL_SITE());
    t->irql = APC_LEVEL; /* raised to APC_LEVEL; the old IRQL is kept in the mutex */
    FastMutex->OldIrql = old;
}

BOOLEAN FASTCALL ExTryToAcquireFastMutex(PFAST_MUTEX FastMutex)
{
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (!m || !FastMutex || FastMutex->Owner || t->irql > APC_LEVEL)
        return FALSE;
    FastMutex->OldIrql = t->irql;
    FastMutex->Owner = t;
    FastMutex->Count = 0;
    t->irql = APC_LEVEL;
    pssim__verifier_lock_acquired(m, FastMutex, PSSIM_LOCK_FAST_MUTEX, false,
                                  "ExTryToAcquireFastMutex", PSSIM_CALL_SITE());
    return TRUE;
}

VOID FASTCALL ExReleaseFastMutex(PFAST_MUTEX FastMutex)
{
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (!m || !FastMutex || m->bugchecked)
        return;
    if (t->irql != APC_LEVEL) {
        pssim__bugcheck(m, 0xC4, 0x34, t->irql, (ULONG_PTR)FastMutex, 0,
                        "ExReleaseFastMutex at IRQL %u; it must be called at APC_LEVEL, "
                        "where ExAcquireFastMutex left the thread (SYNC-7).",
                        (unsigned)t->irql);
        return;
    }
    if (!check_owner(m, t, FastMutex, "ExReleaseFastMutex"))
        return;
    t->irql = (KIRQL)FastMutex->OldIrql;
    fast_mutex_give(m, FastMutex);
    if (t->irql < APC_LEVEL)
        KI_CHECK_KERNEL_APCS(m); /* APC-5: kernel APCs held off at APC_LEVEL run now */
}

VOID FASTCALL ExAcquireFastMutexUnsafe(PFAST_MUTEX FastMutex)
{
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (m && FastMutex && !m->bugchecked)
        fast_mutex_take(m, t, FastMutex, PSSIM_LOCK_FAST_MUTEX, "ExAcquireFastMutexUnsafe",
                        PSSIM_CALL_SITE());
}

VOID FASTCALL ExReleaseFastMutexUnsafe(PFAST_MUTEX FastMutex)
{
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (m && FastMutex && !m->bugchecked &&
        check_owner(m, t, FastMutex, "ExReleaseFastMutexUnsafe"))
        fast_mutex_give(m, FastMutex);
}

/* Guarded mutexes behave as fast mutexes since Windows 8, entering a guarded region instead of
 * raising the IRQL (SYNC-7). */
VOID KeInitializeGuardedMutex(PKGUARDED_MUTEX Mutex)
{
    ExInitializeFastMutex(Mutex);
}

VOID FASTCALL KeAcquireGuardedMutex(PKGUARDED_MUTEX Mutex)
{
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (!m || !Mutex || m->bugchecked)
        return;
    KeEnterGuardedRegion();
    fast_mutex_take(m, t, Mutex, PSSIM_LOCK_GUARDED_MUTEX, "KeAcquireGuardedMutex",
                    PSSIM_CALL_SITE());
}

BOOLEAN FASTCALL KeTryToAcquireGuardedMutex(PKGUARDED_MUTEX Mutex)
{
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (!m || !Mutex || Mutex->Owner)
        return FALSE;
    KeEnterGuardedRegion();
    Mutex->Owner = t;
    Mutex->Count = 0;
    pssim__verifier_lock_acquired(m, Mutex, PSSIM_LOCK_GUARDED_MUTEX, false,
                                  "KeTryToAcquireGuardedMutex", PSSIM_CALL_SITE());
    return TRUE;
}

VOID FASTCALL KeReleaseGuardedMutex(PKGUARDED_MUTEX Mutex)
{
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (!m || !Mutex || m->bugchecked || !check_owner(m, t, Mutex, "KeReleaseGuardedMutex"))
        return;
    fast_mutex_give(m, Mutex);
    KeLeaveGuardedRegion();
}

/* ---- KSPIN_LOCK (SYNC-8). The lock word holds its owner thread | 1. ---- */

VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock)
{
    if (SpinLock)
        *SpinLock = 0;
}

BOOLEAN FASTCALL KeTestSpinLock(PKSPIN_LOCK SpinLock)
{
    return SpinLock && *SpinLock == 0 ? TRUE : FALSE;
}

static void spin_acquire(pssim_machine *m, PETHREAD t, PKSPIN_LOCK lock, const char *api,
                         const void *site)
{
    KSPIN_LOCK mine = (KSPIN_LOCK)(uintptr_t)t | 1;
    if (*lock == mine) {
        /* A checked kernel raises 0xF instead of spinning forever (SYNC-8, SYNC-14). */
        pssim__bugcheck(m, 0xF, (ULONG_PTR)lock, 0, 0, 0,
                        "%s(%p): the thread already holds this spin lock; spin locks are not "
                        "recursive, so it would spin forever (SYNC-8).",
                        api, (void *)lock);
        return;
    }
    PETHREAD owner = (PETHREAD)(uintptr_t)(*lock & ~(KSPIN_LOCK)1);
    if (!pssim__verifier_lock_acquiring(m, lock, PSSIM_LOCK_SPIN, *lock != 0, owner, api, site))
        return;
    /* Held on another processor: spin, in virtual time, until its owner releases it. */
    while (*lock && !m->bugchecked)
        pssim_cpu_work(KI_SPIN_NS);
    *lock = mine;
    t->spin_locks_held++;
    pssim__verifier_lock_acquired(m, lock, PSSIM_LOCK_SPIN, false, api, site);
}

KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)
{
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (!m || !SpinLock || m->bugchecked)
        return PASSIVE_LEVEL;
    KIRQL old = t->irql;
    if (old > DISPATCH_LEVEL) {
        pssim__bugcheck(m, 0xC4, 0x42, old, (ULONG_PTR)SpinLock, 0,
                        "KeAcquireSpinLock at IRQL %u; it must be called at IRQL <= "
                        "DISPATCH_LEVEL (SYNC-8).",
                        (unsigned)old);
        return old;
    }
    t->irql = DISPATCH_LEVEL; /* nothing preempts this thread until it lowers the IRQL */
    spin_acquire(m, t, SpinLock, "KeAcquireSpinLock", PSSIM_CALL_SITE());
    return old;
}

VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (m && SpinLock && !m->bugchecked)
        spin_acquire(m, t, SpinLock, "KeAcquireSpinLockAtDpcLevel", PSSIM_CALL_SITE());
}

static bool spin_release(pssim_machine *m, PETHREAD t, PKSPIN_LOCK lock, const char *api)
{
    if (*lock != ((KSPIN_LOCK)(uintptr_t)t | 1)) {
        pssim__bugcheck(m, 0x10, (ULONG_PTR)lock, 0, 0, 0,
                        "%s(%p): this thread does not hold the spin lock (SYNC-8).", api,
                        (void *)lock);
        return false;
    }
    *lock = 0;
    t->spin_locks_held--;
    pssim__verifier_lock_released(m, t, lock);
    return true;
}

VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)
{
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (!m || !SpinLock || m->bugchecked)
        return;
    if (t->irql != DISPATCH_LEVEL) {
        pssim__bugcheck(m, 0xC4, 0x32, t->irql, (ULONG_PTR)SpinLock, 0,
                        "KeReleaseSpinLock at IRQL %u; it runs at DISPATCH_LEVEL (SYNC-8).",
                        (unsigned)t->irql);
        return;
    }
    if (spin_release(m, t, SpinLock, "KeReleaseSpinLock")) {
        t->irql = NewIrql;
        if (NewIrql < DISPATCH_LEVEL)
            KiIrqlLowered(m);
        if (NewIrql < APC_LEVEL)
            KI_CHECK_KERNEL_APCS(m); /* APC-5 */
    }
}

VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock)
{
    PETHREAD t;
    pssim_machine *m = machine_and_thread(&t);
    if (m && SpinLock && !m->bugchecked)
        spin_release(m, t, SpinLock, "KeReleaseSpinLockFromDpcLevel");
}
