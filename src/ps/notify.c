/* notify.c: the process, thread and image notify registries and their invocation (sections 1-3).
 *
 * Each table has 64 slots shared by every flavour of its kind. A registration is a separately
 * allocated callback block, like the kernel's EX_CALLBACK_ROUTINE_BLOCK: the slot points at it,
 * an invocation holds it (a rundown reference) for the duration of the call, and removal clears
 * the slot and then waits until no invocation holds the block before freeing it. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "ke/ke.h"
#include "platform/platform.h"

/* A PVOID the WDK hands over as a routine (PsSetCreateProcessNotifyRoutineEx2's idiom), as the
 * function it is (pssim__fn_addr is the way back). */
static void (*pvoid_fn(PVOID p))(void)
{
    void (*f)(void);
    memcpy(&f, &p, sizeof(f));
    return f;
}

/* Call types in the IRQL_UNEXPECTED_VALUE parameter (IMAGE-NOTIFY-12). Windows' own numbering
 * is not documented; these are pssim's. */
enum { PSP_CALL_PROCESS = 1, PSP_CALL_THREAD = 2, PSP_CALL_IMAGE = 3 };

void PspNotifyTablesInit(pssim_machine *m)
{
    m->process_notify.what = "process";
    m->thread_notify.what = "thread";
    m->image_notify.what = "image";
    m->process_notify.kind = "process-notify routine";
    m->thread_notify.kind = "thread-notify routine";
    m->image_notify.kind = "image-notify routine";
}

static PSP_NOTIFY_SLOT **slot_array(PSP_NOTIFY_TABLE *t)
{
    return t->slots;
}

/* PROC-REG-14 / IRQL-3: registration is a PASSIVE_LEVEL call. Driver Verifier's IrqlPsPassive
 * rule raises 0xC4 / 0x2001C; pssim raises it always (SYNC-14). */
static bool check_irql(pssim_machine *m, KIRQL max, const char *api)
{
    KIRQL irql = m->current_thread->irql;
    if (irql <= max)
        return true;
    pssim__bugcheck(m, 0xC4, 0x0002001C, irql, 0, 0,
                    "%s called at IRQL %u; it must be called at IRQL <= %u (IrqlPsPassive, "
                    "PROC-REG-14). Fix: register and remove notify routines at PASSIVE_LEVEL, "
                    "e.g. from DriverEntry and DriverUnload.",
                    api, (unsigned)irql, (unsigned)max);
    return false;
}

static const char *flavour_api(uint8_t flavour)
{
    switch (flavour) {
    case PSP_PROCESS_PLAIN:
        return "PsSetCreateProcessNotifyRoutine";
    case PSP_PROCESS_EX:
        return "PsSetCreateProcessNotifyRoutineEx";
    case PSP_PROCESS_EX2:
        return "PsSetCreateProcessNotifyRoutineEx2";
    case PSP_THREAD_PLAIN:
        return "PsSetCreateThreadNotifyRoutine";
    case PSP_THREAD_NONSYSTEM:
        return "PsSetCreateThreadNotifyRoutineEx(PsCreateThreadNotifyNonSystem)";
    case PSP_THREAD_SUBSYSTEMS:
        return "PsSetCreateThreadNotifyRoutineEx(PsCreateThreadNotifySubsystems)";
    case PSP_IMAGE_PLAIN:
        return "PsSetLoadImageNotifyRoutine";
    default:
        return "PsSetLoadImageNotifyRoutineEx";
    }
}

static const char *flavour_remover(uint8_t flavour)
{
    switch (flavour) {
    case PSP_PROCESS_PLAIN:
        return "PsSetCreateProcessNotifyRoutine(routine, TRUE)";
    case PSP_PROCESS_EX:
        return "PsSetCreateProcessNotifyRoutineEx(routine, TRUE)";
    case PSP_PROCESS_EX2:
        return "PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, routine, TRUE)";
    case PSP_THREAD_PLAIN:
    case PSP_THREAD_NONSYSTEM:
    case PSP_THREAD_SUBSYSTEMS:
        return "PsRemoveCreateThreadNotifyRoutine(routine)";
    default:
        return "PsRemoveLoadImageNotifyRoutine(routine)";
    }
}

/* Registers `routine` in the lowest free slot. The statuses and their order follow PROC-REG-3..8,
 * THREAD-REG-1..5 and IMAGE-REG-1..5; the caller has validated the flavour-specific arguments. */
static NTSTATUS register_routine(pssim_machine *m, PSP_NOTIFY_TABLE *t, void (*routine)(void),
                                 uint8_t flavour, ULONG_PTR flags, bool integrity_checked,
                                 bool reject_duplicates, NTSTATUS full_status)
{
    pssim_driver *drv = pssim__current_driver(m);
    if (integrity_checked && !(drv->flags & PSSIM_DRIVER_FORCE_INTEGRITY))
        return STATUS_ACCESS_DENIED; /* PROC-REG-5, THREAD-REG-3 */
    if (reject_duplicates) {
        for (unsigned i = 0; i < PSP_MAX_NOTIFY; i++) {
            PSP_NOTIFY_SLOT *s = slot_array(t)[i];
            if (s && s->routine == routine && s->flavour == flavour)
                return STATUS_INVALID_PARAMETER; /* PROC-REG-7, documented behaviour */
        }
    }
    PSP_NOTIFY_SLOT *blk = pssim__alloc(sizeof(*blk));
    if (!blk)
        return STATUS_INSUFFICIENT_RESOURCES; /* PROC-REG-4, THREAD-REG-1, IMAGE-REG-2 */
    for (unsigned i = 0; i < PSP_MAX_NOTIFY; i++) {
        if (!slot_array(t)[i]) { /* PROC-REG-8: lowest free slot */
            blk->routine = routine;
            blk->owner = drv == &m->host_image ? NULL : drv;
            blk->flavour = flavour;
            blk->flags = flags;
            KeInitializeEvent(&blk->drained, NotificationEvent, FALSE);
            slot_array(t)[i] = blk;
            t->used++;
            if (i + 1 > t->limit)
                t->limit = i + 1;
            return STATUS_SUCCESS;
        }
    }
    pssim__free(blk);
    return full_status; /* PROC-REG-3, THREAD-REG-1, IMAGE-REG-2 */
}

/* Whether the current thread is inside a call of blk (its routine frames say). */
static bool held_by_current(pssim_machine *m, PSP_NOTIFY_SLOT *blk)
{
    for (const pssim_verifier_call *c = m->current_thread->vframe; c; c = c->outer)
        if (c->slot == blk)
            return true;
    return false;
}

/* An invocation of the block on this very thread means the removal was issued from inside the
 * routine being removed (PROC-REG-11): on Windows that thread waits for itself forever; pssim
 * stops with the Verifier's self-deadlock code instead (SYNC-14). */
static bool self_deadlock(pssim_machine *m, PSP_NOTIFY_SLOT *blk, const char *api)
{
    if (blk->active == 0 || !held_by_current(m, blk))
        return false;
    char who[128];
    pssim__platform_describe_routine(blk->routine, who, sizeof(who));
    pssim__bugcheck(m, 0xC4, 0x1000, (ULONG_PTR)pssim__fn_addr(blk->routine), 0, 0,
                    "%s removed notify routine %s from inside that same routine (PROC-REG-11, "
                    "THREAD-REG-6, IMAGE-REG-6): removal waits for the routine to return, so "
                    "on Windows this thread hangs forever. Fix: remove the routine from "
                    "DriverUnload or another thread, never from the routine itself.",
                    api, who);
    return true;
}

/* Waits until no invocation holds the (already unlinked) block: the rundown of PROC-REG-9.
 * Invocations on other threads finish while the rest of the machine goes on. */
static void wait_for_rundown(pssim_machine *m, PSP_NOTIFY_SLOT *blk)
{
    if (blk->active == 0)
        return;
    blk->removing = true;
    KiWaitForObject(m, &blk->drained, false, 0, Executive);
    /* If the machine stopped meanwhile, the threads still inside never run again. */
}

typedef bool (*flavour_match_fn)(uint8_t flavour, uint8_t wanted);

static bool same_flavour(uint8_t f, uint8_t wanted)
{
    return f == wanted;
}

static bool any_thread_flavour(uint8_t f, uint8_t wanted)
{
    (void)wanted;
    return f == PSP_THREAD_PLAIN || f == PSP_THREAD_NONSYSTEM || f == PSP_THREAD_SUBSYSTEMS;
}

static bool any_image_flavour(uint8_t f, uint8_t wanted)
{
    (void)wanted;
    return f == PSP_IMAGE_PLAIN || f == PSP_IMAGE_EX;
}

static NTSTATUS remove_routine(pssim_machine *m, PSP_NOTIFY_TABLE *t, void (*routine)(void),
                               uint8_t flavour, flavour_match_fn match, const char *api)
{
    for (unsigned i = 0; i < PSP_MAX_NOTIFY; i++) {
        PSP_NOTIFY_SLOT *blk = slot_array(t)[i];
        if (!blk || blk->routine != routine || !match(blk->flavour, flavour))
            continue;
        if (self_deadlock(m, blk, api))
            return PSSIM_STATUS_BUGCHECK;
        /* The slot is free at once; the block lives until its last invocation ends. */
        slot_array(t)[i] = NULL;
        t->used--;
        while (t->limit > 0 && !slot_array(t)[t->limit - 1])
            t->limit--;
        wait_for_rundown(m, blk);
        pssim__free(blk);
        return m->bugchecked ? PSSIM_STATUS_BUGCHECK : STATUS_SUCCESS;
    }
    return STATUS_PROCEDURE_NOT_FOUND; /* PROC-REG-10, THREAD-REG-6, IMAGE-REG-6 */
}

/* ---- registration calls ---- */

#define FN(r) ((void (*)(void))(r))

static pssim_machine *registry_machine(void)
{
    return pssim__current_machine();
}

NTSTATUS PsSetCreateProcessNotifyRoutine(PCREATE_PROCESS_NOTIFY_ROUTINE NotifyRoutine,
                                         BOOLEAN Remove)
{
    pssim_machine *m = registry_machine();
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (!check_irql(m, PASSIVE_LEVEL, "PsSetCreateProcessNotifyRoutine"))
        return PSSIM_STATUS_BUGCHECK;
    if (Remove)
        return remove_routine(m, &m->process_notify, FN(NotifyRoutine), PSP_PROCESS_PLAIN,
                              same_flavour, "PsSetCreateProcessNotifyRoutine");
    if (!NotifyRoutine)
        return STATUS_INVALID_PARAMETER;
    /* The plain routine's module check (PROC-REG-5, [R]) passes for every driver loaded
     * through pssim_driver_load and for the host image. */
    return register_routine(m, &m->process_notify, FN(NotifyRoutine), PSP_PROCESS_PLAIN, 0, false,
                            m->cfg.duplicate_notify == PSSIM_DUPLICATE_REJECT,
                            STATUS_INVALID_PARAMETER);
}

NTSTATUS PsSetCreateProcessNotifyRoutineEx(PCREATE_PROCESS_NOTIFY_ROUTINE_EX NotifyRoutine,
                                           BOOLEAN Remove)
{
    pssim_machine *m = registry_machine();
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (!check_irql(m, PASSIVE_LEVEL, "PsSetCreateProcessNotifyRoutineEx"))
        return PSSIM_STATUS_BUGCHECK;
    if (Remove)
        return remove_routine(m, &m->process_notify, FN(NotifyRoutine), PSP_PROCESS_EX,
                              same_flavour, "PsSetCreateProcessNotifyRoutineEx");
    if (!NotifyRoutine)
        return STATUS_INVALID_PARAMETER;
    return register_routine(m, &m->process_notify, FN(NotifyRoutine), PSP_PROCESS_EX, 0, true,
                            m->cfg.duplicate_notify == PSSIM_DUPLICATE_REJECT,
                            STATUS_INVALID_PARAMETER);
}

NTSTATUS PsSetCreateProcessNotifyRoutineEx2(PSCREATEPROCESSNOTIFYTYPE NotifyType,
                                            PVOID NotifyInformation, BOOLEAN Remove)
{
    pssim_machine *m = registry_machine();
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (!check_irql(m, PASSIVE_LEVEL, "PsSetCreateProcessNotifyRoutineEx2"))
        return PSSIM_STATUS_BUGCHECK;
    if (NotifyType != PsCreateProcessNotifySubsystems)
        return STATUS_INVALID_PARAMETER; /* PROC-REG-6 */
    void (*routine)(void) = pvoid_fn(NotifyInformation);
    if (Remove)
        return remove_routine(m, &m->process_notify, routine, PSP_PROCESS_EX2, same_flavour,
                              "PsSetCreateProcessNotifyRoutineEx2");
    if (!NotifyInformation)
        return STATUS_INVALID_PARAMETER;
    return register_routine(m, &m->process_notify, routine, PSP_PROCESS_EX2, 0, true,
                            m->cfg.duplicate_notify == PSSIM_DUPLICATE_REJECT,
                            STATUS_INVALID_PARAMETER);
}

NTSTATUS PsSetCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE NotifyRoutine)
{
    pssim_machine *m = registry_machine();
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (!check_irql(m, PASSIVE_LEVEL, "PsSetCreateThreadNotifyRoutine"))
        return PSSIM_STATUS_BUGCHECK;
    if (!NotifyRoutine)
        return STATUS_INVALID_PARAMETER;
    return register_routine(m, &m->thread_notify, FN(NotifyRoutine), PSP_THREAD_PLAIN, 0, false,
                            false, STATUS_INSUFFICIENT_RESOURCES);
}

NTSTATUS PsSetCreateThreadNotifyRoutineEx(PSCREATETHREADNOTIFYTYPE NotifyType,
                                          PVOID NotifyInformation)
{
    pssim_machine *m = registry_machine();
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (!check_irql(m, PASSIVE_LEVEL, "PsSetCreateThreadNotifyRoutineEx"))
        return PSSIM_STATUS_BUGCHECK;
    uint8_t flavour;
    if (NotifyType == PsCreateThreadNotifyNonSystem)
        flavour = PSP_THREAD_NONSYSTEM;
    else if (NotifyType == PsCreateThreadNotifySubsystems)
        flavour = PSP_THREAD_SUBSYSTEMS;
    else
        return STATUS_INVALID_PARAMETER; /* THREAD-REG-3 */
    if (!NotifyInformation)
        return STATUS_INVALID_PARAMETER;
    void (*routine)(void) = pvoid_fn(NotifyInformation);
    return register_routine(m, &m->thread_notify, routine, flavour, 0, true, false,
                            STATUS_INSUFFICIENT_RESOURCES);
}

NTSTATUS PsRemoveCreateThreadNotifyRoutine(PCREATE_THREAD_NOTIFY_ROUTINE NotifyRoutine)
{
    pssim_machine *m = registry_machine();
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (!check_irql(m, APC_LEVEL, "PsRemoveCreateThreadNotifyRoutine"))
        return PSSIM_STATUS_BUGCHECK;
    return remove_routine(m, &m->thread_notify, FN(NotifyRoutine), 0, any_thread_flavour,
                          "PsRemoveCreateThreadNotifyRoutine");
}

NTSTATUS PsSetLoadImageNotifyRoutineEx(PLOAD_IMAGE_NOTIFY_ROUTINE NotifyRoutine, ULONG_PTR Flags)
{
    pssim_machine *m = registry_machine();
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (!check_irql(m, PASSIVE_LEVEL, "PsSetLoadImageNotifyRoutineEx"))
        return PSSIM_STATUS_BUGCHECK;
    if (Flags & ~(ULONG_PTR)PS_IMAGE_NOTIFY_CONFLICTING_ARCHITECTURE)
        return STATUS_INVALID_PARAMETER_2; /* IMAGE-REG-3 */
    if (!NotifyRoutine)
        return STATUS_INVALID_PARAMETER;
    return register_routine(m, &m->image_notify, FN(NotifyRoutine), PSP_IMAGE_EX, Flags, false,
                            false, STATUS_INSUFFICIENT_RESOURCES);
}

NTSTATUS PsSetLoadImageNotifyRoutine(PLOAD_IMAGE_NOTIFY_ROUTINE NotifyRoutine)
{
    pssim_machine *m = registry_machine();
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (!check_irql(m, PASSIVE_LEVEL, "PsSetLoadImageNotifyRoutine"))
        return PSSIM_STATUS_BUGCHECK;
    if (!NotifyRoutine)
        return STATUS_INVALID_PARAMETER;
    /* IMAGE-REG-4: the same as the Ex call with no flags. */
    return register_routine(m, &m->image_notify, FN(NotifyRoutine), PSP_IMAGE_PLAIN, 0, false,
                            false, STATUS_INSUFFICIENT_RESOURCES);
}

NTSTATUS PsRemoveLoadImageNotifyRoutine(PLOAD_IMAGE_NOTIFY_ROUTINE NotifyRoutine)
{
    pssim_machine *m = registry_machine();
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (!check_irql(m, APC_LEVEL, "PsRemoveLoadImageNotifyRoutine"))
        return PSSIM_STATUS_BUGCHECK;
    return remove_routine(m, &m->image_notify, FN(NotifyRoutine), 0, any_image_flavour,
                          "PsRemoveLoadImageNotifyRoutine");
}

/* ---- invocation ---- */

/* Takes a rundown reference on the block, or raises 0xCE when its driver is gone. */
static void acquire_block(pssim_machine *m, pssim_verifier_call *vc, PSP_NOTIFY_TABLE *t,
                          unsigned slot, PSP_NOTIFY_SLOT *blk, const char *event)
{
    if (blk->owner && blk->owner->unloaded) {
        char who[128];
        pssim__platform_describe_routine(blk->routine, who, sizeof(who));
        ULONG_PTR addr = (ULONG_PTR)pssim__fn_addr(blk->routine);
        pssim__bugcheck(m, 0xCE, addr, 0, addr, 0,
                        "driver '%s' was unloaded while its %s-notify routine %s was still "
                        "registered (%s, slot %u); the %s event called into the unloaded "
                        "driver's code (PROC-REG-12, BUGCHECK-3). Fix: call %s in DriverUnload.",
                        blk->owner->name, t->what, who, flavour_api(blk->flavour), slot, event,
                        flavour_remover(blk->flavour));
    }
    blk->active++;
    pssim__verifier_routine_enter(m, vc, blk->owner, pssim__fn_addr(blk->routine), t->kind);
    vc->slot = blk;
}

static void trace_call(pssim_machine *m, int what, bool create)
{
    PSSIM_TRACE_NOTIFY(m, m->current_thread->tid, what, create ? 1 : 0);
}

static void release_block(pssim_machine *m, pssim_verifier_call *vc, PSP_NOTIFY_SLOT *blk)
{
    pssim__verifier_routine_leave(m, vc);
    if (--blk->active == 0 && blk->removing)
        KeSetEvent(&blk->drained, IO_NO_INCREMENT, FALSE); /* the remover may go on */
}

/* IMAGE-NOTIFY-12: a routine must return with the IRQL and APC-disable state it was given. */
static void check_return_state(pssim_machine *m, PSP_NOTIFY_SLOT *blk, int call_type,
                               KIRQL irql_before, SHORT apc_before)
{
    PETHREAD t = m->current_thread;
    ULONG_PTR addr = (ULONG_PTR)pssim__fn_addr(blk->routine);
    char who[128];
    if (t->irql != irql_before) {
        pssim__platform_describe_routine(blk->routine, who, sizeof(who));
        pssim__bugcheck(m, 0xC8,
                        (ULONG_PTR)call_type | ((ULONG_PTR)irql_before << 8) |
                            ((ULONG_PTR)t->irql << 16),
                        addr, 0, 0,
                        "notify routine %s returned at IRQL %u but was called at IRQL %u "
                        "(IMAGE-NOTIFY-12). Fix: lower the IRQL (release spin locks) before "
                        "returning.",
                        who, (unsigned)t->irql, (unsigned)irql_before);
    }
    if (t->kernel_apc_disable != apc_before) {
        pssim__platform_describe_routine(blk->routine, who, sizeof(who));
        pssim__bugcheck(m, 0x1, addr, (ULONG_PTR)(LONG_PTR)t->kernel_apc_disable,
                        (ULONG_PTR)(LONG_PTR)apc_before, 0,
                        "notify routine %s returned with an unbalanced critical region (APC "
                        "disable count %d, expected %d; IMAGE-NOTIFY-12). Fix: pair every "
                        "KeEnterCriticalRegion / lock acquisition with its release.",
                        who, (int)t->kernel_apc_disable, (int)apc_before);
    }
}

void PspCallProcessNotifyRoutines(pssim_machine *m, PEPROCESS process, PETHREAD creator,
                                  bool create, NTSTATUS *creation_status)
{
    PSP_NOTIFY_TABLE *t = &m->process_notify;
    if (t->used == 0)
        return;
    bool pico = process->subsystem != PSSIM_SUBSYSTEM_WIN32;
    PS_CREATE_NOTIFY_INFO info;
    bool info_built = false;
    PETHREAD cur = m->current_thread;
    /* PROC-NOTIFY-4: PASSIVE_LEVEL inside a critical region. */
    cur->kernel_apc_disable++;
    for (unsigned i = 0; i < t->limit; i++) {
        PSP_NOTIFY_SLOT *blk = slot_array(t)[i];
        pssim_verifier_call vc;
        if (!blk)
            continue;
        if (pico && blk->flavour != PSP_PROCESS_EX2)
            continue; /* PROC-NOTIFY-14 */
        if (create && blk->flavour != PSP_PROCESS_PLAIN && !info_built) {
            /* PROC-NOTIFY-6: built only when an Ex/Ex2 routine will see it. */
            memset(&info, 0, sizeof(info));
            info.Size = sizeof(info);
            info.FileOpenNameAvailable = process->file_open_name_available;
            info.IsSubsystemProcess = pico && blk->flavour == PSP_PROCESS_EX2;
            info.ParentProcessId = process->parent_pid;
            info.CreatingThreadId.UniqueProcess = creator->process->pid;
            info.CreatingThreadId.UniqueThread = creator->tid;
            if (!process->image_file && process->image_name.Length)
                process->image_file = IopCreateImageFileObject(m, &process->image_name);
            info.FileObject = process->image_file;
            info.ImageFileName = process->image_name.Length ? &process->image_name : NULL;
            info.CommandLine = process->command_line.Buffer ? &process->command_line : NULL;
            info.CreationStatus = STATUS_SUCCESS; /* PROC-NOTIFY-7 */
            info_built = true;
        }
        acquire_block(m, &vc, t, i, blk, create ? "process-create" : "process-exit");
        trace_call(m, PSP_CALL_PROCESS, create);
        KIRQL irql = cur->irql;
        SHORT apc = cur->kernel_apc_disable;
        PSSIM_WITH_DRIVER(m, blk->owner, {
            if (blk->flavour == PSP_PROCESS_PLAIN) {
                PCREATE_PROCESS_NOTIFY_ROUTINE r = (PCREATE_PROCESS_NOTIFY_ROUTINE)blk->routine;
                r(process->parent_pid, process->pid, create ? TRUE : FALSE);
            } else {
                PCREATE_PROCESS_NOTIFY_ROUTINE_EX r =
                    (PCREATE_PROCESS_NOTIFY_ROUTINE_EX)blk->routine;
                r(process, process->pid, create ? &info : NULL);
            }
        });
        check_return_state(m, blk, PSP_CALL_PROCESS, irql, apc);
        release_block(m, &vc, blk);
        if (create && info_built && info.CreationStatus < 0) {
            /* PROC-NOTIFY-7: the first denial ends the create loop. */
            *creation_status = info.CreationStatus;
            break;
        }
    }
    if (--cur->kernel_apc_disable == 0)
        KI_CHECK_KERNEL_APCS(m); /* APC-5: normal kernel APCs held off by the region run now */
}

void PspCallThreadNotifyRoutines(pssim_machine *m, PETHREAD thread, bool create, bool on_new_thread)
{
    PSP_NOTIFY_TABLE *t = &m->thread_notify;
    if (t->used == 0)
        return;
    bool pico = thread->process->subsystem != PSSIM_SUBSYSTEM_WIN32;
    PETHREAD cur = m->current_thread;
    /* THREAD-NOTIFY-5: the NonSystem create call also runs with special kernel APCs off. */
    bool guarded = create && on_new_thread;
    if (guarded) {
        cur->kernel_apc_disable++;
        cur->special_apc_disable++;
    }
    for (unsigned i = 0; i < t->limit; i++) {
        PSP_NOTIFY_SLOT *blk = slot_array(t)[i];
        pssim_verifier_call vc;
        if (!blk)
            continue;
        uint8_t f = blk->flavour;
        bool wanted;
        if (pico)
            wanted = f == PSP_THREAD_SUBSYSTEMS && !(create && on_new_thread); /* -7 */
        else if (!create)
            wanted = true; /* THREAD-NOTIFY-2, -6: every flavour sees every exit */
        else if (on_new_thread)
            wanted = f == PSP_THREAD_NONSYSTEM && !thread->system; /* THREAD-NOTIFY-5 */
        else
            wanted = f == PSP_THREAD_PLAIN || f == PSP_THREAD_SUBSYSTEMS; /* -1, -7, SYSTHREAD-10 */
        if (!wanted)
            continue;
        acquire_block(m, &vc, t, i, blk, create ? "thread-create" : "thread-exit");
        trace_call(m, PSP_CALL_THREAD, create);
        KIRQL irql = cur->irql;
        SHORT apc = cur->kernel_apc_disable;
        PSSIM_WITH_DRIVER(m, blk->owner, {
            PCREATE_THREAD_NOTIFY_ROUTINE r = (PCREATE_THREAD_NOTIFY_ROUTINE)blk->routine;
            r(thread->process->pid, thread->tid, create ? TRUE : FALSE);
        });
        check_return_state(m, blk, PSP_CALL_THREAD, irql, apc);
        release_block(m, &vc, blk);
    }
    if (guarded) {
        cur->kernel_apc_disable--;
        if (--cur->special_apc_disable == 0)
            KI_CHECK_KERNEL_APCS(m); /* APC-5 */
    }
}

void PspCallImageNotifyRoutines(pssim_machine *m, PUNICODE_STRING name, HANDLE pid, uint64_t base,
                                uint64_t size, bool kernel, PFILE_OBJECT *file_cache, bool keep_new)
{
    PSP_NOTIFY_TABLE *t = &m->image_notify;
    if (t->used == 0)
        return;
    /* IMAGE-NOTIFY-8: always inside an IMAGE_INFO_EX with a valid FileObject. */
    bool temporary = !file_cache || (!*file_cache && !keep_new);
    PFILE_OBJECT file;
    if (temporary) {
        file = IopCreateImageFileObject(m, name);
    } else {
        if (!*file_cache)
            *file_cache = IopCreateImageFileObject(m, name);
        file = *file_cache;
    }
    PETHREAD cur = m->current_thread;
    cur->kernel_apc_disable++; /* IMAGE-NOTIFY-6 */
    for (unsigned i = 0; i < t->limit; i++) {
        PSP_NOTIFY_SLOT *blk = slot_array(t)[i];
        pssim_verifier_call vc;
        if (!blk)
            continue;
        /* Each routine gets its own copy: what one routine scribbles, the next never sees. */
        IMAGE_INFO_EX ex;
        memset(&ex, 0, sizeof(ex));
        ex.Size = sizeof(ex);
        ex.ImageInfo.ImageAddressingMode = IMAGE_ADDRESSING_MODE_32BIT;
        ex.ImageInfo.SystemModeImage = kernel ? 1 : 0;
        ex.ImageInfo.ExtendedInfoPresent = 1;
        ex.ImageInfo.ImageBase = (PVOID)(uintptr_t)base;
        ex.ImageInfo.ImageSize = (SIZE_T)size;
        ex.FileObject = file;
        UNICODE_STRING name_copy = *name;
        acquire_block(m, &vc, t, i, blk, "image-load");
        trace_call(m, PSP_CALL_IMAGE, true);
        KIRQL irql = cur->irql;
        SHORT apc = cur->kernel_apc_disable;
        PSSIM_WITH_DRIVER(m, blk->owner, {
            PLOAD_IMAGE_NOTIFY_ROUTINE r = (PLOAD_IMAGE_NOTIFY_ROUTINE)blk->routine;
            r(&name_copy, pid, &ex.ImageInfo);
        });
        check_return_state(m, blk, PSP_CALL_IMAGE, irql, apc);
        release_block(m, &vc, blk);
    }
    if (--cur->kernel_apc_disable == 0)
        KI_CHECK_KERNEL_APCS(m); /* APC-5 */
    if (file && temporary)
        ObpDereference(m, file);
}

bool PspFindRegistrationOf(pssim_machine *m, pssim_driver *driver, const char **what,
                           void (**routine)(void))
{
    PSP_NOTIFY_TABLE *tables[] = {&m->process_notify, &m->thread_notify, &m->image_notify};
    for (unsigned k = 0; k < 3; k++) {
        for (unsigned i = 0; i < PSP_MAX_NOTIFY; i++) {
            PSP_NOTIFY_SLOT *blk = slot_array(tables[k])[i];
            if (blk && blk->owner == driver) {
                *what = flavour_api(blk->flavour);
                *routine = blk->routine;
                return true;
            }
        }
    }
    return false;
}

void PspFreeNotifyTables(pssim_machine *m)
{
    PSP_NOTIFY_TABLE *tables[] = {&m->process_notify, &m->thread_notify, &m->image_notify};
    for (unsigned k = 0; k < 3; k++)
        for (unsigned i = 0; i < PSP_MAX_NOTIFY; i++) {
            pssim__free(slot_array(tables[k])[i]);
            slot_array(tables[k])[i] = NULL;
        }
}

uint32_t PspDescribeRoutinesOf(pssim_machine *m, const pssim_driver *drv, char *buf, size_t size)
{
    PSP_NOTIFY_TABLE *tables[3] = {&m->process_notify, &m->thread_notify, &m->image_notify};
    uint32_t n = 0;
    size_t at = 0;
    for (int k = 0; k < 3; k++) {
        PSP_NOTIFY_TABLE *t = tables[k];
        for (unsigned i = 0; i < t->limit; i++) {
            PSP_NOTIFY_SLOT *blk = slot_array(t)[i];
            if (!blk || blk->owner != drv || blk->removing)
                continue;
            char who[128];
            pssim__platform_describe_routine(blk->routine, who, sizeof(who));
            int w = snprintf(at < size ? buf + at : NULL, at < size ? size - at : 0, "%s%s %s",
                             n ? ", " : "", flavour_api(blk->flavour), who);
            at += w > 0 ? (size_t)w : 0;
            n++;
        }
    }
    return n;
}
