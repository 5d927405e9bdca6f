/* machine.c: machine lifetime, the machine in force, control calls, bug checks and time. */
#include "core/machine.h"
#include "io/io.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cm/cm.h"
#include "core/alloc.h"
#include "core/ptr_set.h"
#include "flt/flt.h"
#include "ke/ke.h"
#include "platform/context.h"
#include "rtl/status_names.h"

/* 2026-01-01T00:00:00Z in 100 ns units since 1601-01-01. */
#define PSSIM_DEFAULT_BOOT_SYSTEM_TIME 134118144000000000LL

/* The machines this OS thread created (newest first), and the one a control call is running
 * on. WDK calls take no machine argument, so they find it here. */
static _Thread_local pssim_machine *tls_newest;
static _Thread_local pssim_machine *tls_active;
/* On the OS-threads backend every simulated thread has an OS thread of its own, bound here. */
static _Thread_local pssim_machine *tls_bound;

NTKERNELAPI PEPROCESS PsInitialSystemProcess;

const char *pssim_version(void)
{
    return "0.1.0";
}

pssim_machine *pssim__machine_in_force(void)
{
    if (tls_bound)
        return tls_bound;
    return tls_active ? tls_active : tls_newest;
}

pssim_machine *pssim__current_machine(void)
{
    pssim_machine *m = pssim__machine_in_force();
    if (!m)
        return NULL;
    /* GUIDE-7, STACK-4: below the mark (a routine's deepest point so far, or the kernel stack's
     * limit) the stack pointer is worth a look; otherwise this is all it costs. */
    uintptr_t sp = PSSIM_STACK_POINTER();
    if (sp < m->kstack.mark)
        pssim__kstack_sample(m, sp);
    /* An entry into the simulated kernel from a thread's body: count it, and owe its cost
     * until the thread's next scheduling point (docs/execution.md, "Kernel-call cost"). */
    PETHREAD t = KI_RUNNING_BODY(m);
    if (t) {
        t->kernel_calls++;
        uint64_t debt = t->kernel_debt_ns + m->cfg.kernel_call_cost_ns;
        t->kernel_debt_ns = debt > UINT32_MAX ? UINT32_MAX : (uint32_t)debt;
    } else if (m->current_thread && m->current_thread->vframe) {
        m->current_thread->kernel_calls++; /* a routine run by a control call: GUIDE-1 counts */
    }
    return m;
}

void pssim__bind_os_thread(pssim_machine *m)
{
    tls_bound = m;
}

/* PsInitialSystemProcess is one global, as in the WDK: it names the System process of the
 * machine in force, and follows it when another machine comes into force. */
static void sync_globals(pssim_machine *m)
{
    PsInitialSystemProcess = m ? m->system_process : NULL;
}

void pssim_config_init(pssim_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->cpu_count = 1;
    cfg->seed = 0;
    cfg->quantum_ns = 31250000;
    cfg->timer_resolution_ns = 0;
    cfg->backend = PSSIM_BACKEND_FIBERS;
    cfg->cid_reuse = PSSIM_CID_REUSE_FIFO;
    cfg->duplicate_notify = PSSIM_DUPLICATE_ALLOW;
    cfg->orphan_exit = false;
    cfg->event_cost_ns = 1000;
    cfg->boot_system_time = PSSIM_DEFAULT_BOOT_SYSTEM_TIME;
    cfg->debug_print_stderr = false;
}

static NTSTATUS validate_config(const pssim_config *cfg)
{
    if (cfg->cpu_count < 1 || cfg->cpu_count > 64)
        return STATUS_INVALID_PARAMETER;
    if (cfg->backend != PSSIM_BACKEND_FIBERS && cfg->backend != PSSIM_BACKEND_THREADS)
        return STATUS_INVALID_PARAMETER;
    if (cfg->cid_reuse != PSSIM_CID_REUSE_FIFO && cfg->cid_reuse != PSSIM_CID_REUSE_IMMEDIATE)
        return STATUS_INVALID_PARAMETER;
    if (cfg->duplicate_notify != PSSIM_DUPLICATE_ALLOW &&
        cfg->duplicate_notify != PSSIM_DUPLICATE_REJECT)
        return STATUS_INVALID_PARAMETER;
    if (cfg->quantum_ns == 0 || cfg->boot_system_time < 0)
        return STATUS_INVALID_PARAMETER;
    for (int r = 0; r < PSSIM_VERIFIER_RULE_COUNT; r++)
        if (cfg->verifier[r] > PSSIM_VERIFIER_FAIL)
            return STATUS_INVALID_PARAMETER;
    return pssim__kstack_validate(cfg);
}

/* Creates one of the machine's own processes (Idle, System, host) with one thread. */
static NTSTATUS create_builtin(pssim_machine *m, const char *image, const char *base_name,
                               bool idle, bool system, bool host, PEPROCESS *process_out,
                               PETHREAD *thread_out)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = image;
    PEPROCESS process;
    NTSTATUS st = PspCreateProcessObject(m, &p, idle ? NULL : m->system_process, &process);
    if (!NT_SUCCESS(st))
        return st;
    process->is_idle = idle;
    process->is_system = system;
    process->is_host = host;
    if (idle || system)
        process->peb = NULL;
    snprintf(process->image_file_name, sizeof(process->image_file_name), "%s", base_name);
    if (system)
        process->base_priority = 8; /* SYSTHREAD-9 */
    process->inserted = true;
    process->create_notified = true; /* these processes exist before any routine could */
    if (!idle)
        PspCidMakeVisible(&m->cid, (uintptr_t)process->pid);
    PETHREAD thread;
    st = PspCreateThreadObject(m, process, system || idle, &thread);
    if (!NT_SUCCESS(st))
        return st;
    process->threads_ever = 1;
    process->live_threads = 1;
    thread->inserted = true;
    if (!idle)
        PspCidMakeVisible(&m->cid, (uintptr_t)thread->tid);
    thread->host = host;
    *process_out = process;
    *thread_out = thread;
    return STATUS_SUCCESS;
}

NTSTATUS pssim_machine_create(const pssim_config *cfg, pssim_machine **out)
{
    if (!out)
        return STATUS_INVALID_PARAMETER;
    *out = NULL;
    pssim_config defaults;
    if (!cfg) {
        pssim_config_init(&defaults);
        cfg = &defaults;
    }
    NTSTATUS st = validate_config(cfg);
    if (!NT_SUCCESS(st))
        return st;

    pssim_machine *m = pssim__alloc(sizeof(*m));
    if (!m)
        return STATUS_INSUFFICIENT_RESOURCES;
    m->cfg = *cfg;
    pssim__verifier_init(m);
    pssim__kstack_init(m);
    m->boot_id = (cfg->seed ^ 0x5ca1ab1eULL) & 0xFFFF;
    InitializeListHead(&m->all_objects);
    InitializeListHead(&m->process_list);
    InitializeListHead(&m->drivers);
    InitializeListHead(&m->devices);
    PspNotifyTablesInit(m);
    m->host_image.machine = m;
    m->host_image.flags = PSSIM_DRIVER_FORCE_INTEGRITY;
    snprintf(m->host_image.name, sizeof(m->host_image.name), "%s", "pssim-host");
    InitializeListHead(&m->host_image.link);
    m->live_set = pssim__ptr_set_create();
    if (!m->live_set || !ExpPoolInit(&m->pool) ||
        !PspCidTableInit(&m->cid, cfg->cid_reuse == PSSIM_CID_REUSE_IMMEDIATE)) {
        pssim_machine_destroy(m);
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    /* Idle (PID 0, outside the CID table), System (PID 4, the first ID) and the host process,
     * whose one thread is the caller (api-contract "Machine"). */
    st = create_builtin(m, "", "Idle", true, false, false, &m->idle_process, &m->idle_thread);
    if (NT_SUCCESS(st))
        st = create_builtin(m, "", "System", false, true, false, &m->system_process,
                            &m->system_thread);
    if (NT_SUCCESS(st))
        st = create_builtin(m, "\\Device\\HarddiskVolume1\\pssim\\pssim-host.exe", "pssim-host.exe",
                            false, false, true, &m->host_process, &m->host_thread);
    if (!NT_SUCCESS(st)) {
        pssim_machine_destroy(m);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    m->current_thread = m->host_thread;

    m->created_before = tls_newest;
    tls_newest = m;
    sync_globals(pssim__current_machine());
    *out = m;
    return STATUS_SUCCESS;
}

void pssim_machine_destroy(pssim_machine *m)
{
    if (!m)
        return;
    /* Leave the creator's stack of machines. */
    for (pssim_machine **pp = &tls_newest; *pp; pp = &(*pp)->created_before) {
        if (*pp == m) {
            *pp = m->created_before;
            break;
        }
    }
    if (tls_active == m)
        tls_active = NULL;
    KiDestroyDispatcher(m); /* every context, before the objects they run */
    ExpDestroyWorkQueues(m);
    ObpDestroyHandleTable(m, &m->kernel_handles);
    ObpDestroyAllObjects(m);
    CmpDestroyRegistry(m); /* after the objects: key objects go without their delete routine */
    while (!IsListEmpty(&m->drivers)) {
        pssim_driver *d = CONTAINING_RECORD(RemoveHeadList(&m->drivers), pssim_driver, link);
        PspFreeUnicodeString(&d->registry_path);
        pssim__free(d);
    }
    PspFreeNotifyTables(m);
    IopDestroySymbolicLinks(m);
    pssim__verifier_leaks_free(m);
    pssim__kstack_free(m);
    pssim__verifier_free(m);
    PspPicoFree(m);
    FltpFree(m);
    PspFreeUnicodeString(&m->ntdll_name);
    pssim__free(m->debug_log);
    pssim__trace_free(&m->trace);
    PspFreeUnicodeString(&m->scratch_name);
    ExpPoolDestroy(&m->pool);
    PspCidTableDestroy(&m->cid);
    pssim__ptr_set_destroy(m->live_set);
    pssim__free(m);
    sync_globals(pssim__current_machine());
}

NTSTATUS pssim__control_call(pssim_machine *m, NTSTATUS (*body)(pssim_machine *, void *), void *arg)
{
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (m->landing) /* nested: the outermost call owns the landing */
        return body(m, arg);

    pssim_machine *saved_active = tls_active;
    PETHREAD saved_thread = m->current_thread;
    jmp_buf landing;
    tls_active = m;
    sync_globals(m);
    m->landing = &landing;
    NTSTATUS st;
    if (setjmp(landing) == 0) {
        st = body(m, arg);
    } else {
        /* A bug check unwound everything the call had started; the machine is stopped. */
        st = PSSIM_STATUS_BUGCHECK;
        m->current_thread = saved_thread;
        m->current_thread->irql = PASSIVE_LEVEL;
    }
    m->landing = NULL;
    PspFreeUnicodeString(&m->scratch_name);
    tls_active = saved_active;
    sync_globals(pssim__current_machine());
    return st;
}

void pssim__bugcheck(pssim_machine *m, ULONG code, ULONG_PTR p1, ULONG_PTR p2, ULONG_PTR p3,
                     ULONG_PTR p4, const char *fmt, ...)
{
    if (!m)
        return;
    if (!m->bugchecked) {
        PSSIM_TRACE_BUGCHECK(m, m->current_thread ? m->current_thread->tid : NULL, code);
        m->bugchecked = true;
        m->bugcheck.code = code;
        m->bugcheck.parameters[0] = p1;
        m->bugcheck.parameters[1] = p2;
        m->bugcheck.parameters[2] = p3;
        m->bugcheck.parameters[3] = p4;
        int n = snprintf(m->bugcheck.text, sizeof(m->bugcheck.text),
                         "%s (0x%X): ", pssim_bugcheck_name(code), (unsigned)code);
        if (n > 0 && (size_t)n < sizeof(m->bugcheck.text)) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(m->bugcheck.text + n, sizeof(m->bugcheck.text) - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    if (m->ke && m->ke->running_thread) {
        /* On a thread's own stack a longjmp to the control call's landing may not cross
         * stacks: the thread leaves for the scheduler for good instead (docs/execution.md). */
        KiSwitchToScheduler(m, KI_YIELD_EXIT);
    }
    if (m->landing)
        longjmp(*m->landing, 1);
}

bool pssim_machine_bugcheck(const pssim_machine *m, pssim_bugcheck *out)
{
    if (!m || !m->bugchecked)
        return false;
    if (out)
        *out = m->bugcheck;
    return true;
}

void pssim__advance(pssim_machine *m, uint64_t ns)
{
    m->now_ns += ns;
}

uint64_t pssim_machine_now(pssim_machine *m)
{
    return m ? m->now_ns : 0;
}

LONGLONG pssim__system_time(pssim_machine *m)
{
    return m->cfg.boot_system_time + (LONGLONG)(m->now_ns / 100);
}

pssim_driver *pssim__current_driver(pssim_machine *m)
{
    PETHREAD t = m->current_thread;
    return (t && t->current_driver) ? t->current_driver : &m->host_image;
}

HANDLE pssim_host_pid(pssim_machine *m)
{
    return m ? m->host_process->pid : NULL;
}

HANDLE pssim_host_tid(pssim_machine *m)
{
    return m ? m->host_thread->tid : NULL;
}

const char *pssim_status_name(NTSTATUS s)
{
    static _Thread_local char unknown[32];
    const char *name = pssim__status_name_lookup(s);
    if (name)
        return name;
    if (s == PSSIM_STATUS_BUGCHECK)
        return "PSSIM_STATUS_BUGCHECK";
    snprintf(unknown, sizeof(unknown), "NTSTATUS 0x%08X", (unsigned)s);
    return unknown;
}
