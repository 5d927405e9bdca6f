/* resource.c: executive resources (ERESOURCE): shared/exclusive, recursive, with the statuses
 * and bug checks of SYNC-9. */
#include <string.h>

#include "core/machine.h"
#include "ke/ke.h"
#include "verifier/verifier.h"

#define RESOURCE_MAGIC 0x52534552u /* "RESR" */

static bool usable(pssim_machine *m, PERESOURCE r, const char *api)
{
    if (!m || !r || m->bugchecked)
        return false;
    if (r->Initialized != RESOURCE_MAGIC) {
        pssim__bugcheck(m, 0xC4, 0x1005, (ULONG_PTR)r, 0, 0,
                        "%s(%p): the resource was never initialized with "
                        "ExInitializeResourceLite (or was deleted).",
                        api, (void *)r);
        return false;
    }
    return true;
}

/* SYNC-9: acquire and release run at <= APC_LEVEL inside a critical region (Verifier 0xC4 /
 * 0x37 acquire, 0x38 release with normal kernel APCs enabled). */
static bool check_context(pssim_machine *m, PERESOURCE r, bool acquire, const char *api)
{
    PETHREAD t = m->current_thread;
    if (t->irql > APC_LEVEL) {
        pssim__bugcheck(m, 0xC4, 0xE5, t->irql, (ULONG_PTR)r, 0,
                        "%s at IRQL %u; resources are used at IRQL <= APC_LEVEL (SYNC-9).", api,
                        (unsigned)t->irql);
        return false;
    }
    if (t->kernel_apc_disable == 0 && t->irql < APC_LEVEL) {
        pssim__bugcheck(m, 0xC4, acquire ? 0x37 : 0x38, (ULONG_PTR)r, 0, 0,
                        "%s(%p) with normal kernel APCs enabled: call KeEnterCriticalRegion "
                        "first (SYNC-9).",
                        api, (void *)r);
        return false;
    }
    return true;
}

static OWNER_ENTRY *shared_entry(PERESOURCE r, PETHREAD t, bool create)
{
    OWNER_ENTRY *free_entry = NULL;
    for (int i = 0; i < PSSIM_ERESOURCE_SHARED_OWNERS; i++) {
        if (r->SharedOwners[i].OwnerThread == (ULONG_PTR)t)
            return &r->SharedOwners[i];
        if (!free_entry && r->SharedOwners[i].OwnerThread == 0)
            free_entry = &r->SharedOwners[i];
    }
    if (create && free_entry)
        free_entry->OwnerThread = (ULONG_PTR)t;
    return create ? free_entry : NULL;
}

NTSTATUS ExInitializeResourceLite(PERESOURCE Resource)
{
    if (!Resource)
        return STATUS_INVALID_PARAMETER;
    memset(Resource, 0, sizeof(*Resource));
    InitializeListHead(&Resource->SystemResourcesList);
    KeInitializeEvent(&Resource->SharedWaiters, NotificationEvent, FALSE);
    KeInitializeEvent(&Resource->ExclusiveWaiters, SynchronizationEvent, FALSE);
    Resource->Initialized = RESOURCE_MAGIC;
    return STATUS_SUCCESS;
}

NTSTATUS ExReinitializeResourceLite(PERESOURCE Resource)
{
    return ExInitializeResourceLite(Resource);
}

NTSTATUS ExDeleteResourceLite(PERESOURCE Resource)
{
    if (!Resource || Resource->Initialized != RESOURCE_MAGIC)
        return STATUS_INVALID_PARAMETER;
    Resource->Initialized = 0;
    return STATUS_SUCCESS;
}

static bool held_shared_by(PERESOURCE r, PETHREAD t)
{
    OWNER_ENTRY *e = shared_entry(r, t, false);
    return e && e->OwnerCount > 0;
}

static BOOLEAN acquire_exclusive(PERESOURCE r, BOOLEAN wait, const char *api, const void *site)
{
    pssim_machine *m = pssim__current_machine();
    if (!usable(m, r, api) || !check_context(m, r, true, api))
        return FALSE;
    PETHREAD t = m->current_thread;
    if (r->ExclusiveOwner == (ULONG_PTR)t) { /* recursion */
        r->ExclusiveCount++;
        r->ActiveCount++;
        pssim__verifier_lock_acquired(m, r, PSSIM_LOCK_RESOURCE, false, api, site);
        return TRUE;
    }
    if (held_shared_by(r, t)) {
        /* SYNC-9: holding it shared and asking for exclusive waits for itself forever. */
        if (!wait)
            return FALSE;
        pssim__bugcheck(m, 0xC4, 0x1000, (ULONG_PTR)r, 0, 0,
                        "%s(%p): the thread holds the resource shared and asks for it "
                        "exclusive; it would wait for itself forever (SYNC-9).",
                        api, (void *)r);
        return FALSE;
    }
    if (wait && !pssim__verifier_lock_acquiring(m, r, PSSIM_LOCK_RESOURCE, r->ActiveCount != 0,
                                                (PETHREAD)r->ExclusiveOwner, api, site))
        return FALSE;
    while (r->ActiveCount != 0) {
        if (!wait)
            return FALSE;
        r->NumberOfExclusiveWaiters++;
        KiWaitForObject(m, &r->ExclusiveWaiters, false, 0, WrExecutive);
        r->NumberOfExclusiveWaiters--;
        if (m->bugchecked)
            return FALSE;
    }
    r->ExclusiveOwner = (ULONG_PTR)t;
    r->ExclusiveCount = 1;
    r->ActiveCount = 1;
    pssim__verifier_lock_acquired(m, r, PSSIM_LOCK_RESOURCE, false, api, site);
    return TRUE;
}

BOOLEAN ExAcquireResourceExclusiveLite(PERESOURCE Resource, BOOLEAN Wait)
{
    return acquire_exclusive(Resource, Wait, "ExAcquireResourceExclusiveLite", PSSIM_CALL_SITE());
}

BOOLEAN ExTryToAcquireResourceExclusiveLite(PERESOURCE Resource)
{
    return acquire_exclusive(Resource, FALSE, "ExTryToAcquireResourceExclusiveLite",
                             PSSIM_CALL_SITE());
}

static BOOLEAN acquire_shared(PERESOURCE Resource, BOOLEAN Wait, const char *api, const void *site)
{
    pssim_machine *m = pssim__current_machine();
    if (!usable(m, Resource, api) || !check_context(m, Resource, true, api))
        return FALSE;
    PETHREAD t = m->current_thread;
    PERESOURCE r = Resource;
    if (r->ExclusiveOwner == (ULONG_PTR)t) {
        /* An exclusive holder asking shared gets it, counted as exclusive (SYNC-9). */
        r->ExclusiveCount++;
        r->ActiveCount++;
        pssim__verifier_lock_acquired(m, r, PSSIM_LOCK_RESOURCE, false, api, site);
        return TRUE;
    }
    bool already = held_shared_by(r, t);
    if (Wait && !already &&
        !pssim__verifier_lock_acquiring(m, r, PSSIM_LOCK_RESOURCE,
                                        r->ExclusiveOwner || r->NumberOfExclusiveWaiters > 0,
                                        (PETHREAD)r->ExclusiveOwner, api, site))
        return FALSE;
    /* A shared request waits while it is held exclusive, or while an exclusive request waits,
     * unless this thread already holds it shared. */
    while (r->ExclusiveOwner || (!already && r->NumberOfExclusiveWaiters > 0)) {
        if (!Wait)
            return FALSE;
        r->NumberOfSharedWaiters++;
        KeClearEvent(&r->SharedWaiters);
        KiWaitForObject(m, &r->SharedWaiters, false, 0, WrExecutive);
        r->NumberOfSharedWaiters--;
        if (m->bugchecked)
            return FALSE;
    }
    OWNER_ENTRY *e = shared_entry(r, t, true);
    if (e)
        e->OwnerCount++;
    r->ActiveCount++;
    pssim__verifier_lock_acquired(m, r, PSSIM_LOCK_RESOURCE, true, api, site);
    return TRUE;
}

BOOLEAN ExAcquireResourceSharedLite(PERESOURCE Resource, BOOLEAN Wait)
{
    return acquire_shared(Resource, Wait, "ExAcquireResourceSharedLite", PSSIM_CALL_SITE());
}

static void release_by(pssim_machine *m, PERESOURCE r, PETHREAD t, const char *api)
{
    pssim__verifier_lock_released(m, t, r);
    if (r->ExclusiveOwner == (ULONG_PTR)t) {
        r->ActiveCount--;
        if (--r->ExclusiveCount > 0)
            return;
        r->ExclusiveOwner = 0;
    } else {
        OWNER_ENTRY *e = shared_entry(r, t, false);
        if (!e || e->OwnerCount == 0) {
            /* SYNC-9: release by a thread that does not hold it. */
            pssim__bugcheck(m, 0xE3, (ULONG_PTR)r, (ULONG_PTR)t, 0, 0,
                            "%s(%p) by a thread that does not hold the resource (SYNC-9).", api,
                            (void *)r);
            return;
        }
        if (--e->OwnerCount == 0)
            e->OwnerThread = 0;
        r->ActiveCount--;
    }
    if (r->ActiveCount == 0) {
        /* Exclusive waiters first, then every shared waiter. */
        if (r->NumberOfExclusiveWaiters > 0)
            KeSetEvent(&r->ExclusiveWaiters, IO_NO_INCREMENT, FALSE);
        else if (r->NumberOfSharedWaiters > 0)
            KeSetEvent(&r->SharedWaiters, IO_NO_INCREMENT, FALSE);
    } else if (!r->ExclusiveOwner && r->NumberOfExclusiveWaiters == 0 &&
               r->NumberOfSharedWaiters > 0) {
        KeSetEvent(&r->SharedWaiters, IO_NO_INCREMENT, FALSE);
    }
}

VOID FASTCALL ExReleaseResourceLite(PERESOURCE Resource)
{
    static const char api[] = "ExReleaseResourceLite";
    pssim_machine *m = pssim__current_machine();
    if (!usable(m, Resource, api) || !check_context(m, Resource, false, api))
        return;
    release_by(m, Resource, m->current_thread, api);
}

VOID ExReleaseResourceForThreadLite(PERESOURCE Resource, ERESOURCE_THREAD ResourceThreadId)
{
    static const char api[] = "ExReleaseResourceForThreadLite";
    pssim_machine *m = pssim__current_machine();
    if (!usable(m, Resource, api))
        return;
    release_by(m, Resource, (PETHREAD)ResourceThreadId, api);
}

BOOLEAN ExIsResourceAcquiredExclusiveLite(PERESOURCE Resource)
{
    pssim_machine *m = pssim__current_machine();
    return m && Resource && Resource->ExclusiveOwner == (ULONG_PTR)m->current_thread ? TRUE : FALSE;
}

ULONG ExIsResourceAcquiredSharedLite(PERESOURCE Resource)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || !Resource)
        return 0;
    if (Resource->ExclusiveOwner == (ULONG_PTR)m->current_thread)
        return (ULONG)Resource->ExclusiveCount;
    OWNER_ENTRY *e = shared_entry(Resource, m->current_thread, false);
    return e ? (ULONG)e->OwnerCount : 0;
}

ULONG ExGetExclusiveWaiterCount(PERESOURCE Resource)
{
    return Resource ? Resource->NumberOfExclusiveWaiters : 0;
}

ULONG ExGetSharedWaiterCount(PERESOURCE Resource)
{
    return Resource ? Resource->NumberOfSharedWaiters : 0;
}

PVOID ExEnterCriticalRegionAndAcquireResourceExclusive(PERESOURCE Resource)
{
    KeEnterCriticalRegion();
    acquire_exclusive(Resource, TRUE, "ExEnterCriticalRegionAndAcquireResourceExclusive",
                      PSSIM_CALL_SITE());
    pssim_machine *m = pssim__current_machine();
    return m ? (PVOID)m->current_thread : NULL;
}

PVOID ExEnterCriticalRegionAndAcquireResourceShared(PERESOURCE Resource)
{
    KeEnterCriticalRegion();
    acquire_shared(Resource, TRUE, "ExEnterCriticalRegionAndAcquireResourceShared",
                   PSSIM_CALL_SITE());
    pssim_machine *m = pssim__current_machine();
    return m ? (PVOID)m->current_thread : NULL;
}

VOID FASTCALL ExReleaseResourceAndLeaveCriticalRegion(PERESOURCE Resource)
{
    ExReleaseResourceLite(Resource);
    KeLeaveCriticalRegion();
}
