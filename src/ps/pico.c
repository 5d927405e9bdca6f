/* pico.c: subsystem (pico) providers: registration, system-call and exception dispatch on the
 * calling thread, the exit callbacks, the provider's per-process and per-thread contexts and
 * the kernel routines handed to the provider (docs/pico.md, rules PICO-1..12).
 *
 * The contexts live in a side table keyed by the object's address, not in the process and
 * thread objects: those are at their size budgets (docs/benchmarks.md), and only subsystem
 * objects ever have an entry. An entry goes when its object is deleted (objects.c). */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "ke/ke.h"
#include "platform/platform.h"

typedef struct PSP_PICO_CONTEXT_ENTRY {
    const void *object; /* NULL = free */
    PVOID context;
} PSP_PICO_CONTEXT_ENTRY;

typedef struct PSP_PICO_STATE {
    pssim_driver *provider; /* the registered provider's driver (PICO-1) */
    pssim_pico_provider_routines routines;
    /* Open addressing, linear probing, a power-of-two capacity kept at most half full. */
    PSP_PICO_CONTEXT_ENTRY *entries;
    uint32_t capacity, count;
} PSP_PICO_STATE;

/* ---- the context side table (PICO-4) ---- */

static uint32_t slot_of(const PSP_PICO_STATE *s, const void *object)
{
    uint64_t h = (uint64_t)(uintptr_t)object >> 4;
    h *= 0x9E3779B97F4A7C15ULL;
    return (uint32_t)(h >> 32) & (s->capacity - 1);
}

static PSP_PICO_CONTEXT_ENTRY *find_entry(const PSP_PICO_STATE *s, const void *object)
{
    if (!s->capacity)
        return NULL;
    for (uint32_t i = slot_of(s, object);; i = (i + 1) & (s->capacity - 1)) {
        if (s->entries[i].object == object)
            return &s->entries[i];
        if (!s->entries[i].object)
            return NULL;
    }
}

static void put_entry(PSP_PICO_STATE *s, const void *object, PVOID context)
{
    uint32_t i = slot_of(s, object);
    while (s->entries[i].object)
        i = (i + 1) & (s->capacity - 1);
    s->entries[i].object = object;
    s->entries[i].context = context;
    s->count++;
}

static bool grow(PSP_PICO_STATE *s)
{
    uint32_t old_capacity = s->capacity;
    PSP_PICO_CONTEXT_ENTRY *old = s->entries;
    uint32_t capacity = old_capacity ? old_capacity * 2 : 64;
    PSP_PICO_CONTEXT_ENTRY *entries = pssim__alloc(capacity * sizeof(*entries));
    if (!entries)
        return false;
    s->entries = entries;
    s->capacity = capacity;
    s->count = 0;
    for (uint32_t i = 0; i < old_capacity; i++)
        if (old[i].object)
            put_entry(s, old[i].object, old[i].context);
    pssim__free(old);
    return true;
}

/* Removes the entry at `e` and closes the gap (backward shift), so lookups need no
 * tombstones. */
static void remove_entry(PSP_PICO_STATE *s, PSP_PICO_CONTEXT_ENTRY *e)
{
    uint32_t mask = s->capacity - 1;
    uint32_t hole = (uint32_t)(e - s->entries);
    for (uint32_t i = (hole + 1) & mask; s->entries[i].object; i = (i + 1) & mask) {
        uint32_t home = slot_of(s, s->entries[i].object);
        /* The entry at i may move into the hole when its home is not in (hole, i]. */
        bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
        if (!stays) {
            s->entries[hole] = s->entries[i];
            hole = i;
        }
    }
    s->entries[hole].object = NULL;
    s->entries[hole].context = NULL;
    s->count--;
}

/* Sets (context != NULL) or clears the context of a subsystem object; false when out of
 * memory. */
static bool set_context(PSP_PICO_STATE *s, const void *object, PVOID context)
{
    PSP_PICO_CONTEXT_ENTRY *e = find_entry(s, object);
    if (e) {
        if (context)
            e->context = context;
        else
            remove_entry(s, e);
        return true;
    }
    if (!context)
        return true;
    if ((s->count + 1) * 2 > s->capacity && !grow(s))
        return false;
    put_entry(s, object, context);
    return true;
}

void PspPicoForget(pssim_machine *m, const void *object)
{
    PSP_PICO_STATE *s = m->pico;
    if (!s)
        return;
    PSP_PICO_CONTEXT_ENTRY *e = find_entry(s, object);
    if (e)
        remove_entry(s, e);
}

void PspPicoFree(pssim_machine *m)
{
    PSP_PICO_STATE *s = m->pico;
    if (!s)
        return;
    pssim__free(s->entries);
    pssim__free(s);
    m->pico = NULL;
}

/* ---- objects the kernel routines accept ---- */

static PEPROCESS pico_process(pssim_machine *m, PEPROCESS p)
{
    if (!m || !p || !ObpIsLiveObject(m, p) ||
        OBJECT_TO_OBJECT_HEADER(p)->type != &PspProcessObjectType)
        return NULL;
    return p->subsystem != PSSIM_SUBSYSTEM_WIN32 ? p : NULL;
}

static PETHREAD pico_thread(pssim_machine *m, PETHREAD t)
{
    if (!m || !t || !ObpIsLiveObject(m, t) ||
        OBJECT_TO_OBJECT_HEADER(t)->type != &PspThreadObjectType)
        return NULL;
    return t->process->subsystem != PSSIM_SUBSYSTEM_WIN32 ? t : NULL;
}

static bool is_pico(PEPROCESS p)
{
    return p->subsystem != PSSIM_SUBSYSTEM_WIN32;
}

/* ---- calling the provider ---- */

/* PICO-3: a provider never unregisters; when its driver was unloaded anyway, the call lands in
 * unloaded code, which is bug check 0xCE. False when the machine stopped. */
static bool provider_present(pssim_machine *m, void (*routine)(void), const char *field,
                             const char *event)
{
    PSP_PICO_STATE *s = m->pico;
    if (!s->provider->unloaded)
        return true;
    char who[128];
    pssim__platform_describe_routine(routine, who, sizeof(who));
    ULONG_PTR addr = (ULONG_PTR)pssim__fn_addr(routine);
    pssim__bugcheck(m, 0xCE, addr, 0, addr, 0,
                    "driver '%s' was unloaded while registered as the pico provider; the %s "
                    "called its %s routine %s in the unloaded driver's code (PICO-3). A pico "
                    "provider can never unregister: leave DriverObject->DriverUnload NULL so the "
                    "driver cannot be unloaded.",
                    s->provider->name, event, field, who);
    return false;
}

#define PICO_FN(r) ((void (*)(void))(r))

/* PICO-11: the provider hears of the exit of each of its threads, on that thread. */
void PspPicoThreadExit(pssim_machine *m, PETHREAD t)
{
    PSP_PICO_STATE *s = m->pico;
    if (!s || !s->provider || !is_pico(t->process))
        return;
    if (!provider_present(m, PICO_FN(s->routines.exit_thread), "exit_thread", "thread exit"))
        return;
    PSSIM_WITH_DRIVER(m, s->provider, { s->routines.exit_thread(t); });
}

/* PICO-11: and of the exit of each of its processes, after the process-exit notifications. */
void PspPicoProcessExit(pssim_machine *m, PEPROCESS p)
{
    PSP_PICO_STATE *s = m->pico;
    if (!s || !s->provider || !is_pico(p))
        return;
    if (!provider_present(m, PICO_FN(s->routines.exit_process), "exit_process", "process exit"))
        return;
    PSSIM_WITH_DRIVER(m, s->provider, { s->routines.exit_process(p); });
}

/* ---- termination (PICO-10, PICO-12) ---- */

/* Ends thread t of a subsystem process that is not the running body, as pssim_thread_exit
 * does: at once, or, when it waits where termination cannot reach it, once that wait ends
 * (SYNC-3). */
static void end_other_thread(pssim_machine *m, PETHREAD t, NTSTATUS status)
{
    if (KiDeferTermination(t, status)) {
        t->terminating = true; /* PSAPI-5: requested; it exits later */
        return;
    }
    if (t->context)
        KiKillThread(m, t); /* ends at its scheduling point, never resumed */
    PspExitThread(m, t, status);
}

/* Terminates process p: every thread exits with `status` in creation order; the calling
 * thread, when it belongs to p, last. Does not return when the caller is p's running body. */
static NTSTATUS terminate_process(pssim_machine *m, PEPROCESS p, NTSTATUS status)
{
    if (p->exiting || p->exited)
        return STATUS_PROCESS_IS_TERMINATING;
    PETHREAD self = m->current_thread;
    PETHREAD running = m->ke ? m->ke->running_thread : NULL;
    ObpReference(p); /* keep it while its threads go */
    if (p->live_threads == 0) {
        PspExitThreadlessProcess(m, p, status);
        ObpDereference(m, p);
        return STATUS_SUCCESS;
    }
    /* The caller may already be on its way out (the provider's exit_thread ending the rest of
     * its process): that exit finishes by itself. */
    bool self_exiting = self->terminating;
    p->exiting = true;
    for (LIST_ENTRY *e = p->thread_list.Flink; e != &p->thread_list; e = e->Flink) {
        PETHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, process_link);
        if (!t->terminated)
            t->terminating = true; /* PSAPI-5 */
    }
    for (;;) {
        PETHREAD next = NULL;
        for (LIST_ENTRY *e = p->thread_list.Flink; e != &p->thread_list; e = e->Flink) {
            PETHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, process_link);
            /* The caller goes last; a body that runs but is not the caller (a routine of
             * another thread on its stack) cannot be taken off its own stack. */
            if (t->inserted && !t->terminated && t != self && t != running &&
                !KiTerminationPending(t, NULL)) {
                next = t;
                break;
            }
        }
        if (!next)
            break;
        end_other_thread(m, next, status);
    }
    ObpDereference(m, p);
    if (self->process == p && !self->terminated && !self_exiting) {
        if (self == running)
            PspEndRunningThread(m, status); /* does not return */
        PspExitThread(m, self, status);     /* a puppet, current for a notify call */
    }
    return STATUS_SUCCESS;
}

/* ---- the kernel routines handed to the provider (pssim_pico_routines) ---- */

/* The machine in force when it has a provider: the routines serve only there. */
static pssim_machine *provider_machine(void)
{
    pssim_machine *m = pssim__current_machine();
    return m && m->pico && m->pico->provider ? m : NULL;
}

static NTSTATUS k_create_process(const pssim_pico_process_attributes *a, HANDLE *pid)
{
    pssim_machine *m = provider_machine();
    if (pid)
        *pid = NULL;
    if (!m)
        return STATUS_NOT_SUPPORTED;
    if (!a || !pid)
        return STATUS_INVALID_PARAMETER;
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = a->image_path;
    p.command_line = a->command_line;
    p.command_line_length = a->command_line_length;
    p.parent_pid = a->parent_pid;
    p.subsystem = PSSIM_SUBSYSTEM_WSL;
    p.flags = PSSIM_PROCESS_NO_INITIAL_THREAD; /* threads come from create_thread (PICO-5) */
    HANDLE id;
    NTSTATUS st = pssim_process_create(m, &p, &id, NULL);
    if (!NT_SUCCESS(st))
        return st;
    PEPROCESS process = PspCidLookup(&m->cid, (uintptr_t)id, PSSIM_OBJECT_PROCESS);
    if (a->context && !set_context(m->pico, process, a->context)) {
        pssim_process_terminate(m, id, STATUS_INSUFFICIENT_RESOURCES);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    *pid = id;
    return STATUS_SUCCESS;
}

static NTSTATUS k_create_thread(const pssim_pico_thread_attributes *a, HANDLE *tid)
{
    pssim_machine *m = provider_machine();
    if (tid)
        *tid = NULL;
    if (!m)
        return STATUS_NOT_SUPPORTED;
    if (!a || !tid || !a->start)
        return STATUS_INVALID_PARAMETER;
    PEPROCESS p = PspCidLookup(&m->cid, (uintptr_t)a->pid, PSSIM_OBJECT_PROCESS);
    if (!p)
        return STATUS_INVALID_CID;
    if (!is_pico(p))
        return STATUS_INVALID_PARAMETER; /* PICO-5: subsystem processes only */
    pssim_thread_params tp;
    pssim_thread_params_init(&tp);
    tp.start = a->start;
    tp.context = a->start_context;
    HANDLE id;
    NTSTATUS st = pssim_thread_start(m, a->pid, &tp, &id);
    if (!NT_SUCCESS(st))
        return st;
    /* The thread has not run yet: its body starts at the next scheduling point. */
    PETHREAD t = PspCidLookup(&m->cid, (uintptr_t)id, PSSIM_OBJECT_THREAD);
    if (t && a->context && !set_context(m->pico, t, a->context)) {
        pssim_thread_exit(m, id, STATUS_INSUFFICIENT_RESOURCES);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    *tid = id;
    return STATUS_SUCCESS;
}

static PVOID k_get_process_context(PEPROCESS process)
{
    pssim_machine *m = pssim__current_machine();
    PEPROCESS p = pico_process(m, process);
    PSP_PICO_CONTEXT_ENTRY *e = p && m->pico ? find_entry(m->pico, p) : NULL;
    return e ? e->context : NULL;
}

static PVOID k_get_thread_context(PETHREAD thread)
{
    pssim_machine *m = pssim__current_machine();
    PETHREAD t = pico_thread(m, thread);
    PSP_PICO_CONTEXT_ENTRY *e = t && m->pico ? find_entry(m->pico, t) : NULL;
    return e ? e->context : NULL;
}

static NTSTATUS k_set_process_context(PEPROCESS process, PVOID context)
{
    pssim_machine *m = provider_machine();
    if (!m)
        return STATUS_NOT_SUPPORTED;
    PEPROCESS p = pico_process(m, process);
    if (!p)
        return STATUS_INVALID_PARAMETER;
    return set_context(m->pico, p, context) ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

static NTSTATUS k_set_thread_context(PETHREAD thread, PVOID context)
{
    pssim_machine *m = provider_machine();
    if (!m)
        return STATUS_NOT_SUPPORTED;
    PETHREAD t = pico_thread(m, thread);
    if (!t)
        return STATUS_INVALID_PARAMETER;
    return set_context(m->pico, t, context) ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

static NTSTATUS k_terminate_thread(PETHREAD thread, NTSTATUS exit_status)
{
    pssim_machine *m = pssim__current_machine();
    PETHREAD t = pico_thread(m, thread);
    if (!t)
        return STATUS_INVALID_PARAMETER; /* PICO-12: the provider's own threads only */
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (t->terminating || t->terminated)
        return STATUS_THREAD_IS_TERMINATING;
    PETHREAD running = m->ke ? m->ke->running_thread : NULL;
    if (t == running) {
        if (t != m->current_thread)
            return STATUS_ACCESS_DENIED;     /* a routine of another thread is on its stack */
        PspEndRunningThread(m, exit_status); /* does not return */
    }
    if (t == m->current_thread)
        PspExitThread(m, t, exit_status); /* a puppet, current for a notify call */
    else
        end_other_thread(m, t, exit_status);
    return STATUS_SUCCESS;
}

static NTSTATUS k_terminate_process(PEPROCESS process, NTSTATUS exit_status)
{
    pssim_machine *m = pssim__current_machine();
    PEPROCESS p = pico_process(m, process);
    if (!p)
        return STATUS_INVALID_PARAMETER; /* PICO-12 */
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    return terminate_process(m, p, exit_status);
}

/* ---- registration (PICO-1, -2, -3) ---- */

typedef struct register_args {
    PDRIVER_OBJECT object;
    const pssim_pico_provider_routines *provider;
    pssim_pico_routines *kernel;
} register_args;

static pssim_driver *loaded_driver(pssim_machine *m, PDRIVER_OBJECT object)
{
    for (LIST_ENTRY *e = m->drivers.Flink; e != &m->drivers; e = e->Flink) {
        pssim_driver *d = CONTAINING_RECORD(e, pssim_driver, link);
        if (d->object == object)
            return d->unloaded ? NULL : d;
    }
    return NULL;
}

static NTSTATUS register_body(pssim_machine *m, void *arg)
{
    register_args *a = arg;
    const pssim_pico_provider_routines *r = a->provider;
    /* PICO-2: the sizes first (an ABI mismatch is reported whatever else is wrong). */
    if (r->size != sizeof(*r) || a->kernel->size != sizeof(*a->kernel))
        return STATUS_INFO_LENGTH_MISMATCH;
    if (!r->dispatch_system_call || !r->exit_thread || !r->exit_process || !r->dispatch_exception)
        return STATUS_INVALID_PARAMETER;
    pssim_driver *drv = loaded_driver(m, a->object);
    if (!drv)
        return STATUS_INVALID_PARAMETER;
    /* PICO-1: one provider, registered during "boot": before the first process after the
     * machine's own (Idle, System, host, the last of which is the host). */
    if ((m->pico && m->pico->provider) ||
        m->next_sequence_number != m->host_process->sequence_number)
        return STATUS_TOO_LATE;
    if (!m->pico) {
        m->pico = pssim__alloc(sizeof(*m->pico));
        if (!m->pico)
            return STATUS_INSUFFICIENT_RESOURCES;
    }
    m->pico->provider = drv;
    m->pico->routines = *r;
    pssim_pico_routines *k = a->kernel;
    k->create_process = k_create_process;
    k->create_thread = k_create_thread;
    k->get_process_context = k_get_process_context;
    k->get_thread_context = k_get_thread_context;
    k->terminate_thread = k_terminate_thread;
    k->terminate_process = k_terminate_process;
    k->set_process_context = k_set_process_context;
    k->set_thread_context = k_set_thread_context;
    return STATUS_SUCCESS;
}

NTSTATUS pssim_pico_provider_register(pssim_machine *m, PDRIVER_OBJECT provider,
                                      const pssim_pico_provider_routines *provider_routines,
                                      pssim_pico_routines *kernel_routines)
{
    if (!m)
        m = pssim__current_machine();
    if (!m || !provider || !provider_routines || !kernel_routines)
        return STATUS_INVALID_PARAMETER;
    register_args a = {provider, provider_routines, kernel_routines};
    return pssim__control_call(m, register_body, &a);
}

/* ---- entries from a subsystem thread's body (PICO-6..10) ---- */

/* The caller is user-mode code: the body of the thread now running, with no driver routine
 * on top of it. */
static bool from_user_mode(pssim_machine *m, PETHREAD t)
{
    return m->ke && m->ke->running_thread == t && !t->current_driver;
}

NTSTATUS pssim_pico_syscall(ULONG_PTR number, const ULONG_PTR args[6], ULONG_PTR *result)
{
    if (!result)
        return STATUS_INVALID_PARAMETER;
    *result = 0;
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    PETHREAD t = m->current_thread;
    if (!is_pico(t->process))
        return STATUS_INVALID_SYSTEM_SERVICE; /* PICO-6: the NT table has no such service */
    if (!from_user_mode(m, t))
        return STATUS_INVALID_DEVICE_STATE;
    PSP_PICO_STATE *s = m->pico;
    if (!s || !s->provider)
        return STATUS_NOT_SUPPORTED;
    void (*routine)(void) = PICO_FN(s->routines.dispatch_system_call);
    if (!provider_present(m, routine, "dispatch_system_call", "system call"))
        return PSSIM_STATUS_BUGCHECK;

    pssim_pico_system_call call;
    memset(&call, 0, sizeof(call));
    call.number = number;
    if (args)
        memcpy(call.args, args, sizeof(call.args));
    SHORT kernel_apc = t->kernel_apc_disable, special_apc = t->special_apc_disable;
    /* PICO-7: on this thread, at PASSIVE_LEVEL, the provider's code. */
    PSSIM_WITH_DRIVER(m, s->provider, { s->routines.dispatch_system_call(&call); });

    /* PICO-8: the checks of the return to user mode. */
    ULONG_PTR addr = (ULONG_PTR)pssim__fn_addr(routine);
    char who[128];
    if (t->irql != PASSIVE_LEVEL) {
        pssim__platform_describe_routine(routine, who, sizeof(who));
        pssim__bugcheck(m, 0x4A, addr, t->irql, 0, 0,
                        "system call %lu returns to user mode at IRQL %u: the pico provider's "
                        "dispatch_system_call %s (driver '%s') left the IRQL raised (PICO-8). "
                        "Fix: lower the IRQL (release every spin lock) before returning.",
                        (unsigned long)number, (unsigned)t->irql, who, s->provider->name);
        return PSSIM_STATUS_BUGCHECK;
    }
    if (t->kernel_apc_disable != kernel_apc || t->special_apc_disable != special_apc) {
        pssim__platform_describe_routine(routine, who, sizeof(who));
        /* CombinedApcDisable as Windows keeps it: each count negative while disabled. */
        ULONG_PTR combined = ((ULONG_PTR)(USHORT)(-t->special_apc_disable) << 16) |
                             (ULONG_PTR)(USHORT)(-t->kernel_apc_disable);
        pssim__bugcheck(m, 0x1, addr, 0, combined, 0,
                        "system call %lu returns to user mode with APCs still disabled "
                        "(kernel %d, special %d): the pico provider's dispatch_system_call %s "
                        "(driver '%s') did not balance KeEnterCriticalRegion / "
                        "KeEnterGuardedRegion (PICO-8). Fix: leave every region it enters.",
                        (unsigned long)number, (int)t->kernel_apc_disable,
                        (int)t->special_apc_disable, who, s->provider->name);
        return PSSIM_STATUS_BUGCHECK;
    }
    *result = call.result;
    return STATUS_SUCCESS;
}

NTSTATUS pssim_pico_raise_exception(NTSTATUS code, PVOID address, ULONG parameter_count,
                                    const ULONG_PTR *parameters)
{
    if (parameter_count > PSSIM_PICO_EXCEPTION_MAXIMUM_PARAMETERS ||
        (parameter_count && !parameters))
        return STATUS_INVALID_PARAMETER;
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    PETHREAD t = m->current_thread;
    if (!is_pico(t->process))
        return STATUS_NOT_SUPPORTED; /* PICO-9: user-mode SEH of Win32 threads: not modelled */
    if (!from_user_mode(m, t))
        return STATUS_INVALID_DEVICE_STATE;
    PSP_PICO_STATE *s = m->pico;
    if (!s || !s->provider)
        return STATUS_NOT_SUPPORTED;
    void (*routine)(void) = PICO_FN(s->routines.dispatch_exception);
    if (!provider_present(m, routine, "dispatch_exception", "exception"))
        return PSSIM_STATUS_BUGCHECK;

    pssim_pico_exception rec;
    memset(&rec, 0, sizeof(rec));
    rec.code = code;
    rec.address = address;
    rec.parameter_count = parameter_count;
    if (parameter_count)
        memcpy(rec.parameters, parameters, parameter_count * sizeof(ULONG_PTR));
    BOOLEAN handled = FALSE;
    /* PICO-9: first chance, on this thread, from user mode. */
    PSSIM_WITH_DRIVER(m, s->provider,
                      { handled = s->routines.dispatch_exception(&rec, 1, UserMode); });
    if (handled)
        return STATUS_SUCCESS;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    /* PICO-10: not handled: the process ends with the exception code, this thread last. */
    terminate_process(m, t->process, code);
    PspEndRunningThread(m, code); /* the process was already going: this thread ends too */
    return STATUS_SUCCESS;        /* not reached */
}
