/* lookup.c: PsLookup*, ZwOpenProcess/ZwOpenThread and the Ps getters (sections 5.1-5.3). */
#include <string.h>

#include "core/machine.h"

PEPROCESS PspLookupProcess(pssim_machine *m, HANDLE pid)
{
    PEPROCESS p = PspCidLookup(&m->cid, (uintptr_t)pid, PSSIM_OBJECT_PROCESS);
    if (p)
        ObpReference(p);
    return p;
}

PETHREAD PspLookupThread(pssim_machine *m, HANDLE tid)
{
    PETHREAD t = PspCidLookup(&m->cid, (uintptr_t)tid, PSSIM_OBJECT_THREAD);
    if (t)
        ObpReference(t);
    return t;
}

NTSTATUS PsLookupProcessByProcessId(HANDLE ProcessId, PEPROCESS *Process)
{
    pssim_machine *m = pssim__current_machine();
    if (!Process)
        return STATUS_INVALID_PARAMETER;
    *Process = NULL;
    if (!m)
        return STATUS_INVALID_CID;
    /* CID-5..8: the wrong kind, an unknown ID, PID 0 and objects not yet inserted all fail
     * with STATUS_INVALID_CID; exited but referenced processes are still found. */
    PEPROCESS p = PspLookupProcess(m, ProcessId);
    if (!p)
        return STATUS_INVALID_CID;
    pssim__verifier_ref_taken(m, p);
    *Process = p;
    return STATUS_SUCCESS;
}

NTSTATUS PsLookupThreadByThreadId(HANDLE ThreadId, PETHREAD *Thread)
{
    pssim_machine *m = pssim__current_machine();
    if (!Thread)
        return STATUS_INVALID_PARAMETER;
    *Thread = NULL;
    if (!m)
        return STATUS_INVALID_CID;
    PETHREAD t = PspLookupThread(m, ThreadId);
    if (!t)
        return STATUS_INVALID_CID; /* CID-6: Vista+ code, not the stale INVALID_PARAMETER */
    pssim__verifier_ref_taken(m, t);
    *Thread = t;
    return STATUS_SUCCESS;
}

/* ZwOpenProcess / ZwOpenThread: previous mode KernelMode, so every access is granted. */
static NTSTATUS open_by_cid(PHANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES oa,
                            PCLIENT_ID ClientId, bool want_thread)
{
    pssim_machine *m = pssim__current_machine();
    if (!Handle)
        return STATUS_INVALID_PARAMETER_1;
    *Handle = NULL;
    if (!oa)
        return STATUS_INVALID_PARAMETER_3;
    if (!m)
        return STATUS_INVALID_CID;
    if (oa->Attributes & ~(ULONG)OBJ_VALID_ATTRIBUTES)
        return STATUS_INVALID_PARAMETER;
    /* Exactly one of a name and a client ID (processes and threads have no names here). */
    if ((ClientId != NULL) == (oa->ObjectName != NULL))
        return STATUS_INVALID_PARAMETER_MIX;
    if (!ClientId)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    void *object;
    if (want_thread || ClientId->UniqueThread) {
        PETHREAD t = PspLookupThread(m, ClientId->UniqueThread);
        if (!t)
            return STATUS_INVALID_CID;
        if (ClientId->UniqueProcess && t->process->pid != ClientId->UniqueProcess) {
            ObpDereference(m, t);
            return STATUS_INVALID_CID;
        }
        if (want_thread) {
            object = t;
        } else {
            object = t->process;
            ObpReference(object);
            ObpDereference(m, t);
        }
    } else {
        PEPROCESS p = PspLookupProcess(m, ClientId->UniqueProcess);
        if (!p)
            return STATUS_INVALID_CID;
        object = p;
    }
    POBJECT_TYPE type = OBJECT_TO_OBJECT_HEADER(object)->type;
    NTSTATUS st =
        ObpInsertHandle(m, m->current_thread->process, (oa->Attributes & OBJ_KERNEL_HANDLE) != 0,
                        object, ObpMapAccess(type, DesiredAccess), oa->Attributes, Handle);
    ObpDereference(m, object);
    return st;
}

NTSTATUS ZwOpenProcess(PHANDLE ProcessHandle, ACCESS_MASK DesiredAccess,
                       POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId)
{
    return open_by_cid(ProcessHandle, DesiredAccess, ObjectAttributes, ClientId, false);
}

NTSTATUS ZwOpenThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                      POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId)
{
    if (ClientId && !ClientId->UniqueThread) {
        if (ThreadHandle)
            *ThreadHandle = NULL;
        return STATUS_INVALID_CID;
    }
    return open_by_cid(ThreadHandle, DesiredAccess, ObjectAttributes, ClientId, true);
}

/* ---- getters: none takes a reference (PSAPI-2). They accept only live objects of the right
 * type and answer a neutral value otherwise, instead of reading freed memory. ---- */

static pssim_machine *machine_now(void)
{
    return pssim__current_machine();
}

static PEPROCESS as_process(PEPROCESS p)
{
    pssim_machine *m = machine_now();
    if (!ObpIsLiveObject(m, p) || OBJECT_TO_OBJECT_HEADER(p)->type != &PspProcessObjectType)
        return NULL;
    return p;
}

static PETHREAD as_thread(PETHREAD t)
{
    pssim_machine *m = machine_now();
    if (!ObpIsLiveObject(m, t) || OBJECT_TO_OBJECT_HEADER(t)->type != &PspThreadObjectType)
        return NULL;
    return t;
}

PKTHREAD KeGetCurrentThread(VOID)
{
    pssim_machine *m = machine_now();
    return m ? m->current_thread : NULL;
}

PETHREAD PsGetCurrentThread(VOID)
{
    return KeGetCurrentThread();
}

PEPROCESS IoGetCurrentProcess(VOID)
{
    pssim_machine *m = machine_now();
    return m ? m->current_thread->process : NULL;
}

HANDLE PsGetCurrentProcessId(VOID)
{
    pssim_machine *m = machine_now();
    return m ? m->current_thread->process->pid : NULL;
}

HANDLE PsGetCurrentThreadId(VOID)
{
    pssim_machine *m = machine_now();
    return m ? m->current_thread->tid : NULL;
}

PEPROCESS PsGetCurrentThreadProcess(VOID)
{
    return IoGetCurrentProcess();
}

HANDLE PsGetCurrentThreadProcessId(VOID)
{
    return PsGetCurrentProcessId();
}

HANDLE PsGetProcessId(PEPROCESS Process)
{
    PEPROCESS p = as_process(Process);
    return p ? p->pid : NULL;
}

HANDLE PsGetProcessInheritedFromUniqueProcessId(PEPROCESS Process)
{
    PEPROCESS p = as_process(Process);
    return p ? p->parent_pid : NULL;
}

HANDLE PsGetThreadId(PETHREAD Thread)
{
    PETHREAD t = as_thread(Thread);
    return t ? t->tid : NULL;
}

HANDLE PsGetThreadProcessId(PETHREAD Thread)
{
    PETHREAD t = as_thread(Thread);
    return t ? t->process->pid : NULL;
}

PEPROCESS PsGetThreadProcess(PETHREAD Thread)
{
    PETHREAD t = as_thread(Thread);
    return t ? t->process : NULL;
}

BOOLEAN PsIsSystemThread(PETHREAD Thread)
{
    PETHREAD t = as_thread(Thread);
    return t && t->system ? TRUE : FALSE; /* PSAPI-4 */
}

BOOLEAN PsIsSystemProcess(PEPROCESS Process)
{
    PEPROCESS p = as_process(Process);
    return p && p->is_system ? TRUE : FALSE;
}

BOOLEAN PsIsThreadTerminating(PETHREAD Thread)
{
    PETHREAD t = as_thread(Thread);
    return t && (t->terminating || t->terminated) ? TRUE : FALSE; /* PSAPI-5 */
}

NTSTATUS PsGetProcessExitStatus(PEPROCESS Process)
{
    PEPROCESS p = as_process(Process);
    return p ? p->exit_status : STATUS_INVALID_PARAMETER; /* PSAPI-6 */
}

NTSTATUS PsGetThreadExitStatus(PETHREAD Thread)
{
    PETHREAD t = as_thread(Thread);
    return t ? t->exit_status : STATUS_INVALID_PARAMETER;
}

LONGLONG PsGetProcessCreateTimeQuadPart(PEPROCESS Process)
{
    PEPROCESS p = as_process(Process);
    return p ? p->create_time : 0; /* PSAPI-7 */
}

LONGLONG PsGetThreadCreateTime(PETHREAD Thread)
{
    PETHREAD t = as_thread(Thread);
    return t ? t->create_time : 0;
}

ULONGLONG PsGetProcessStartKey(PEPROCESS Process)
{
    /* CID-10: unique across boots: the boot's ID above a per-boot sequence number. */
    PEPROCESS p = as_process(Process);
    return p ? ((ULONGLONG)p->machine->boot_id << 48) | p->sequence_number : 0;
}

/* Undocumented export (PSAPI-8): drivers declare it themselves; not in any WDK header. */
NTKERNELAPI PCHAR PsGetProcessImageFileName(PEPROCESS Process);
PCHAR PsGetProcessImageFileName(PEPROCESS Process)
{
    PEPROCESS p = as_process(Process);
    return p ? p->image_file_name : NULL;
}
