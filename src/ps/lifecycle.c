/* lifecycle.c: process and thread creation and exit in the order of Appendix A, and the
 * control calls that drive them (pssim_process_create & co).
 *
 * Creation on creator C of thread T in process P:
 *   1-2. P and T get IDs and are inserted (lookups succeed from here on, CID-7);
 *   3.   on C: process-create routines, slot order, Ex/Ex2 may deny (first thread only);
 *   4.   on C: plain and Subsystems thread-create routines for T (even after a denial);
 *   5.   T starts; on T: EXE then ntdll image routines (first thread of a Win32 process), then
 *        NonSystem thread-create routines.
 * A denial skips step 5 and runs T's exit path instead: thread-exit routines on T, then
 * process-exit routines on T to every routine registered (PROC-NOTIFY-7, -11). */
#include <string.h>

#include "core/machine.h"
#include "ke/ke.h"

#define NTDLL_PATH "\\SystemRoot\\System32\\ntdll.dll"
#define NTDLL_BASE 0x00007FFE00000000ULL
#define NTDLL_SIZE 0x1F8000ULL

void pssim_process_params_init(pssim_process_params *p)
{
    if (!p)
        return;
    memset(p, 0, sizeof(*p));
    p->subsystem = PSSIM_SUBSYSTEM_WIN32;
}

void PspRunOnThread(pssim_machine *m, PETHREAD thread, void (*fn)(void *), void *ctx)
{
    PETHREAD prev = m->current_thread;
    m->current_thread = thread;
    fn(ctx);
    m->current_thread = prev;
}

static void image_load_on_current(pssim_machine *m, PEPROCESS p, const UNICODE_STRING *name,
                                  uint64_t base, uint64_t size, PFILE_OBJECT *file_cache,
                                  bool keep_new)
{
    UNICODE_STRING copy = *name;
    PspCallImageNotifyRoutines(m, &copy, p->pid, base, size, false, file_cache, keep_new);
}

/* Step 5: what the new thread does as it starts. */
static void thread_startup(void *ctx)
{
    PspThreadStartup(ctx);
}

void PspThreadStartup(PETHREAD t)
{
    pssim_machine *m = t->machine;
    PEPROCESS p = t->process;
    if (p->threads_ever == 1 && p->subsystem == PSSIM_SUBSYSTEM_WIN32 && !t->system) {
        /* IMAGE-NOTIFY-5: the EXE, then ntdll, on the first thread, in the new process. A WSL
         * process maps no PE image at creation (api-contract). */
        /* The EXE's file object is the process's own (CreateInfo->FileObject); ntdll's is the
         * machine's: one section, mapped into every process. */
        image_load_on_current(m, p, &p->image_name, p->image_base, p->image_size, &p->image_file,
                              false);
        if (!m->ntdll_name.Buffer)
            PspMakeUnicodeString(NTDLL_PATH, strlen(NTDLL_PATH), &m->ntdll_name);
        if (m->ntdll_name.Buffer)
            image_load_on_current(m, p, &m->ntdll_name, NTDLL_BASE, NTDLL_SIZE, &m->ntdll_file,
                                  true);
    }
    PspCallThreadNotifyRoutines(m, t, true, true); /* THREAD-NOTIFY-5 */
}

NTSTATUS PspInsertThreadAndNotify(pssim_machine *m, PETHREAD t)
{
    PEPROCESS p = t->process;
    PETHREAD creator = m->current_thread;
    bool first = p->threads_ever == 0;
    p->threads_ever++;
    p->live_threads++;
    t->inserted = true;
    PspCidMakeVisible(&m->cid, (uintptr_t)t->tid);
    if (!p->inserted) {
        p->inserted = true;
        PspCidMakeVisible(&m->cid, (uintptr_t)p->pid);
    }
    pssim__advance(m, m->cfg.event_cost_ns);

    NTSTATUS creation_status = STATUS_SUCCESS;
    if (first && !p->create_notified) {
        p->create_notified = true;
        PspCallProcessNotifyRoutines(m, p, creator, true, &creation_status); /* step 3 */
    }
    PspCallThreadNotifyRoutines(m, t, true, false); /* step 4 */

    if (creation_status < 0) {
        p->denied = true;
        PspExitThread(m, t, creation_status);
        return creation_status;
    }
    /* Step 5. A thread with a body does it itself when it first runs (system_thread.c). */
    if (t->puppet)
        PspRunOnThread(m, t, thread_startup, t);
    return STATUS_SUCCESS;
}

typedef struct exit_ctx {
    PETHREAD thread;
    bool last;
} exit_ctx;

static void process_exit_on_thread(void *arg)
{
    PETHREAD t = arg;
    pssim_machine *m = t->machine;
    PspCallProcessNotifyRoutines(m, t->process, t, false, NULL); /* PROC-NOTIFY-10, -11 */
    PspPicoProcessExit(m, t->process);                           /* PICO-11 */
}

static void exit_on_thread(void *arg)
{
    exit_ctx *x = arg;
    PETHREAD t = x->thread;
    pssim_machine *m = t->machine;
    PspCallThreadNotifyRoutines(m, t, false, false); /* THREAD-NOTIFY-2 */
    PspPicoThreadExit(m, t);                         /* PICO-11: the provider's, after them */
    if (x->last)
        process_exit_on_thread(t);
}

void PspExitThread(pssim_machine *m, PETHREAD t, NTSTATUS status)
{
    if (t->terminated)
        return;
    PEPROCESS p = t->process;
    t->terminating = true; /* PSAPI-5 */
    t->exit_status = status;
    bool last = p->live_threads == 1;
    if (last) {
        p->exiting = true;
        p->exit_status = status; /* the last thread's status becomes the process's */
        p->exit_time = pssim__system_time(m);
    }
    pssim__advance(m, m->cfg.event_cost_ns);
    exit_ctx x = {t, last};
    PspRunOnThread(m, t, exit_on_thread, &x);
    if (!last && p->live_threads == 1) {
        /* Its siblings all ended while its exit calls ran (a routine or the pico provider
         * terminated them): it is the last thread after all, and the process ends with it. */
        last = true;
        p->exiting = true;
        p->exit_status = status;
        p->exit_time = pssim__system_time(m);
        PspRunOnThread(m, t, process_exit_on_thread, t);
    }
    /* APC-6: kernel APCs still queued run if the thread can run them, or are run down. */
    KiRundownKernelApcs(m, t);

    t->terminated = true;
    t->exit_time = pssim__system_time(m);
    p->live_threads--;
    /* The running thread's reference on itself goes (OB-2); the process's too when it was the
     * last thread. IDs return only when the objects are deleted (CID-3). */
    t->state = 4; /* Terminated */
    PSSIM_TRACE_EXIT(m, t->processor, t->tid, status);
    if (m->ke) {
        if (t->start_routine && !t->worker)
            m->ke->body_threads_alive--;
        KiSignalThreadObject(m, t); /* a thread object is signaled once terminated */
    }
    ObpDereference(m, t);
    if (last) {
        p->exited = true;
        ObpDereference(m, p);
    }
}

void PspExitThreadlessProcess(pssim_machine *m, PEPROCESS p, NTSTATUS status)
{
    p->exiting = true;
    p->exit_status = status;
    p->exit_time = pssim__system_time(m);
    pssim__advance(m, m->cfg.event_cost_ns);
    /* PROC-NOTIFY-12: no create was delivered; an exit only with the orphan-exit option. */
    if (m->cfg.orphan_exit)
        PspCallProcessNotifyRoutines(m, p, m->current_thread, false, NULL);
    PspPicoProcessExit(m, p); /* PICO-11: the provider hears of it all the same */
    p->exited = true;
    ObpDereference(m, p);
}

/* ---- lookups for control calls (no reference taken) ---- */

static PEPROCESS find_process(pssim_machine *m, HANDLE pid)
{
    return PspCidLookup(&m->cid, (uintptr_t)pid, PSSIM_OBJECT_PROCESS);
}

static PETHREAD find_thread(pssim_machine *m, HANDLE tid)
{
    return PspCidLookup(&m->cid, (uintptr_t)tid, PSSIM_OBJECT_THREAD);
}

/* ---- control calls ---- */

typedef struct process_create_args {
    const pssim_process_params *p;
    HANDLE *pid, *tid;
} process_create_args;

static NTSTATUS process_create_body(pssim_machine *m, void *arg)
{
    process_create_args *a = arg;
    const pssim_process_params *p = a->p;
    PEPROCESS parent = m->current_thread->process;
    if (p->parent_pid) {
        parent = find_process(m, p->parent_pid);
        if (!parent)
            return STATUS_INVALID_CID;
        if (parent->exiting || parent->exited)
            return STATUS_PROCESS_IS_TERMINATING;
    }
    PEPROCESS process;
    NTSTATUS st = PspCreateProcessObject(m, p, parent, &process);
    if (!NT_SUCCESS(st))
        return st;
    if (p->flags & PSSIM_PROCESS_NO_INITIAL_THREAD) {
        process->inserted = true;
        PspCidMakeVisible(&m->cid, (uintptr_t)process->pid);
        pssim__advance(m, m->cfg.event_cost_ns);
        if (a->pid)
            *a->pid = process->pid;
        return STATUS_SUCCESS;
    }
    PETHREAD thread;
    st = PspCreateThreadObject(m, process, false, &thread);
    if (!NT_SUCCESS(st)) {
        ObpDereference(m, process);
        return st;
    }
    HANDLE pid = process->pid, tid = thread->tid;
    st = PspInsertThreadAndNotify(m, thread);
    if (!NT_SUCCESS(st))
        return st;
    if (a->pid)
        *a->pid = pid;
    if (a->tid)
        *a->tid = tid;
    return STATUS_SUCCESS;
}

NTSTATUS pssim_process_create(pssim_machine *m, const pssim_process_params *p, HANDLE *pid,
                              HANDLE *initial_tid)
{
    if (pid)
        *pid = NULL;
    if (initial_tid)
        *initial_tid = NULL;
    /* A malformed UTF-8 image path is refused when the process object is built. */
    if (!m || !p || !p->image_path || !p->image_path[0])
        return STATUS_INVALID_PARAMETER;
    if (p->subsystem != PSSIM_SUBSYSTEM_WIN32 && p->subsystem != PSSIM_SUBSYSTEM_WSL)
        return STATUS_INVALID_PARAMETER;
    if (p->flags & ~(uint32_t)PSSIM_PROCESS_VALID_FLAGS)
        return STATUS_INVALID_PARAMETER;
    if (p->priority_class > PSSIM_PRIORITY_CLASS_ABOVE_NORMAL)
        return STATUS_INVALID_PARAMETER;
    if (p->command_line && !p->command_line_length && !PspIsValidUtf8(p->command_line))
        return STATUS_INVALID_PARAMETER;
    process_create_args a = {p, pid, initial_tid};
    return pssim__control_call(m, process_create_body, &a);
}

typedef struct id_status_args {
    HANDLE id;
    NTSTATUS status;
    HANDLE *out;
} id_status_args;

static NTSTATUS process_terminate_body(pssim_machine *m, void *arg)
{
    id_status_args *a = arg;
    PEPROCESS p = find_process(m, a->id);
    if (!p)
        return STATUS_INVALID_CID;
    if (p->is_system || p->is_host)
        return STATUS_ACCESS_DENIED;
    if (p->exiting || p->exited)
        return STATUS_PROCESS_IS_TERMINATING;
    ObpReference(p); /* keep it while its threads go */
    p->exiting = true;
    /* Termination is requested for every thread first (PSAPI-5), then each exits in creation
     * order, the last one last. */
    for (LIST_ENTRY *e = p->thread_list.Flink; e != &p->thread_list; e = e->Flink) {
        PETHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, process_link);
        if (!t->terminated)
            t->terminating = true;
    }
    if (p->live_threads == 0) {
        PspExitThreadlessProcess(m, p, a->status);
    } else {
        while (p->live_threads > 0) {
            PETHREAD next = NULL;
            /* A body terminating its own process goes last, after the call returns: its
             * context is the one running this code. */
            PETHREAD self = m->ke ? m->ke->running_thread : NULL;
            for (LIST_ENTRY *e = p->thread_list.Flink; e != &p->thread_list; e = e->Flink) {
                PETHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, process_link);
                if (t->inserted && !t->terminated && !KiTerminationPending(t, NULL) && t != self) {
                    next = t;
                    break;
                }
            }
            if (!next)
                break;
            /* SYNC-3: a thread waiting where termination cannot reach it exits later. */
            if (KiDeferTermination(next, a->status))
                continue;
            if (next->context)
                KiKillThread(m, next); /* ends at its scheduling point, never resumed */
            PspExitThread(m, next, a->status);
        }
    }
    ObpDereference(m, p);
    return STATUS_SUCCESS;
}

NTSTATUS pssim_process_terminate(pssim_machine *m, HANDLE pid, NTSTATUS exit_status)
{
    id_status_args a = {pid, exit_status, NULL};
    NTSTATUS st = pssim__control_call(m, process_terminate_body, &a);
    /* Called from a body of the process itself: that thread ends last, here (never returns). */
    if (NT_SUCCESS(st) && KI_RUNNING_BODY(m) && m->current_thread->process->pid == pid)
        PspEndRunningThread(m, exit_status);
    return st;
}

static NTSTATUS thread_create_body(pssim_machine *m, void *arg)
{
    id_status_args *a = arg;
    PEPROCESS p = find_process(m, a->id);
    if (!p)
        return STATUS_INVALID_CID;
    if (p->exiting || p->exited)
        return STATUS_PROCESS_IS_TERMINATING;
    PETHREAD t;
    NTSTATUS st = PspCreateThreadObject(m, p, p->is_system, &t);
    if (!NT_SUCCESS(st))
        return st;
    HANDLE tid = t->tid;
    st = PspInsertThreadAndNotify(m, t);
    if (NT_SUCCESS(st) && a->out)
        *a->out = tid;
    return st;
}

NTSTATUS pssim_thread_create(pssim_machine *m, HANDLE pid, HANDLE *tid)
{
    if (tid)
        *tid = NULL;
    id_status_args a = {pid, 0, tid};
    return pssim__control_call(m, thread_create_body, &a);
}

static NTSTATUS thread_exit_body(pssim_machine *m, void *arg)
{
    id_status_args *a = arg;
    PETHREAD t = find_thread(m, a->id);
    if (!t)
        return STATUS_INVALID_CID;
    /* The host thread is the test itself; system threads end only by their own hand
     * (SYSTHREAD-7). */
    if (t->host || t->system)
        return STATUS_ACCESS_DENIED;
    if (t->terminating || t->terminated)
        return STATUS_THREAD_IS_TERMINATING;
    if (t->context) {
        if (m->ke && m->ke->running_thread == t)
            return STATUS_ACCESS_DENIED; /* a body ends itself by returning */
        if (KiDeferTermination(t, a->status)) {
            t->terminating = true; /* PSAPI-5: requested; SYNC-3: it exits later */
            return STATUS_SUCCESS;
        }
        KiKillThread(m, t);
    }
    PspExitThread(m, t, a->status);
    return STATUS_SUCCESS;
}

NTSTATUS pssim_thread_exit(pssim_machine *m, HANDLE tid, NTSTATUS exit_status)
{
    id_status_args a = {tid, exit_status, NULL};
    return pssim__control_call(m, thread_exit_body, &a);
}

typedef struct image_args {
    HANDLE pid;
    const char *path;
    uint64_t base, size;
} image_args;

typedef struct image_run {
    pssim_machine *m;
    PEPROCESS process;
    UNICODE_STRING *name;
    const image_args *a;
} image_run;

static void image_on_thread(void *arg)
{
    image_run *r = arg;
    PspCallImageNotifyRoutines(r->m, r->name, r->process ? r->process->pid : NULL, r->a->base,
                               r->a->size, r->process == NULL, NULL, false);
}

static NTSTATUS image_load_body(pssim_machine *m, void *arg)
{
    image_args *a = arg;
    PEPROCESS p = NULL;
    PETHREAD on = m->system_thread; /* kernel images: a System thread (IMAGE-NOTIFY-3) */
    if (a->pid) {
        p = find_process(m, a->pid);
        if (!p)
            return STATUS_INVALID_CID;
        if (p->exiting || p->exited)
            return STATUS_PROCESS_IS_TERMINATING;
        /* A DLL is mapped by a thread of its process: the caller when it is one, else the
         * oldest live thread; a process with no thread is mapped into by the caller. */
        on = m->current_thread;
        if (on->process != p) {
            for (LIST_ENTRY *e = p->thread_list.Flink; e != &p->thread_list; e = e->Flink) {
                PETHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, process_link);
                if (t->inserted && !t->terminated) {
                    on = t;
                    break;
                }
            }
        }
    }
    /* The name lives in the machine's scratch slot, freed when the call ends however it ends. */
    if (!PspMakeUnicodeString(a->path, strlen(a->path), &m->scratch_name))
        return STATUS_INSUFFICIENT_RESOURCES;
    pssim__advance(m, m->cfg.event_cost_ns);
    image_run r = {m, p, &m->scratch_name, a};
    PspRunOnThread(m, on, image_on_thread, &r);
    return STATUS_SUCCESS;
}

NTSTATUS pssim_image_load(pssim_machine *m, HANDLE pid, const char *image_path, uint64_t base,
                          uint64_t size)
{
    if (!m || !image_path || !image_path[0] || !PspIsValidUtf8(image_path) || size == 0)
        return STATUS_INVALID_PARAMETER;
    image_args a = {pid, image_path, base, size};
    return pssim__control_call(m, image_load_body, &a);
}
