/* query.c: ZwQueryInformationProcess / ZwQueryInformationThread and their Nt forms (section 4). */
#include <string.h>

#include "core/machine.h"

/* QUERY-2: Zw calls are PASSIVE_LEVEL calls; Driver Verifier stops with 0xC4 / 0xE6. */
static bool check_passive(pssim_machine *m, const char *api)
{
    KIRQL irql = m->current_thread->irql;
    if (irql == PASSIVE_LEVEL)
        return true;
    pssim__bugcheck(m, 0xC4, 0xE6, irql, 0, 0,
                    "%s called at IRQL %u; Zw routines must be called at PASSIVE_LEVEL "
                    "(QUERY-2). Fix: queue the query to a worker thread.",
                    api, (unsigned)irql);
    return false;
}

/* Resolves a handle (or pseudo handle) to a referenced object of `type` (QUERY-7). */
static NTSTATUS reference_target(HANDLE h, POBJECT_TYPE type, void **out)
{
    return ObpReferenceObjectByHandle(h, 0, type, KernelMode, out, NULL);
}

/* Writes a UNICODE_STRING followed by its characters and a NUL into `buf` (QUERY-5). */
static NTSTATUS write_string(const UNICODE_STRING *s, PVOID buf, ULONG len, PULONG ret)
{
    ULONG need = (ULONG)sizeof(UNICODE_STRING) + (s->Length ? s->Length + (ULONG)sizeof(WCHAR) : 0);
    if (ret)
        *ret = need;
    if (len < need)
        return STATUS_INFO_LENGTH_MISMATCH;
    if (!buf)
        return STATUS_ACCESS_VIOLATION;
    UNICODE_STRING *out = buf;
    if (s->Length) {
        WCHAR *chars = (WCHAR *)(out + 1);
        memcpy(chars, s->Buffer, s->Length);
        chars[s->Length / sizeof(WCHAR)] = 0;
        out->Buffer = chars;
        out->Length = s->Length;
        out->MaximumLength = (USHORT)(s->Length + sizeof(WCHAR));
    } else {
        out->Buffer = NULL;
        out->Length = 0;
        out->MaximumLength = 0;
    }
    return STATUS_SUCCESS;
}

/* Length rule of QUERY-4 for fixed-size classes; 0 = variable or unsupported. */
static ULONG process_fixed_size(PROCESSINFOCLASS c, ULONG len)
{
    switch (c) {
    case ProcessBasicInformation:
        return len == sizeof(PROCESS_EXTENDED_BASIC_INFORMATION)
                   ? (ULONG)sizeof(PROCESS_EXTENDED_BASIC_INFORMATION)
                   : (ULONG)sizeof(PROCESS_BASIC_INFORMATION);
    case ProcessTimes:
        return sizeof(KERNEL_USER_TIMES);
    case ProcessDebugPort:
    case ProcessWow64Information:
        return sizeof(ULONG_PTR);
    case ProcessBreakOnTermination:
    case ProcessHandleCount:
        return sizeof(ULONG);
    case ProcessSubsystemInformation:
        return sizeof(SUBSYSTEM_INFORMATION_TYPE);
    case ProcessSequenceNumber:
        return sizeof(ULONGLONG);
    default:
        return 0;
    }
}

NTSTATUS ZwQueryInformationProcess(HANDLE ProcessHandle, PROCESSINFOCLASS ProcessInformationClass,
                                   PVOID ProcessInformation, ULONG ProcessInformationLength,
                                   PULONG ReturnLength)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_HANDLE;
    if (!check_passive(m, "ZwQueryInformationProcess"))
        return PSSIM_STATUS_BUGCHECK;
    PROCESSINFOCLASS c = ProcessInformationClass;
    ULONG fixed = process_fixed_size(c, ProcessInformationLength);
    bool variable = c == ProcessImageFileName || c == ProcessCommandLineInformation;
    if (!fixed && !variable)
        return STATUS_INVALID_INFO_CLASS; /* QUERY-3 */
    if (fixed) {
        /* QUERY-4: exact length, checked before the handle. */
        if (ProcessInformationLength != fixed)
            return STATUS_INFO_LENGTH_MISMATCH;
        if (!ProcessInformation)
            return STATUS_ACCESS_VIOLATION;
    }
    PEPROCESS p;
    NTSTATUS st = reference_target(ProcessHandle, *PsProcessType, (void **)&p);
    if (!NT_SUCCESS(st))
        return st;
    bool pico = p->subsystem != PSSIM_SUBSYSTEM_WIN32;
    void *out = ProcessInformation;
    st = STATUS_SUCCESS;
    switch (c) {
    case ProcessBasicInformation: {
        PROCESS_BASIC_INFORMATION pbi;
        memset(&pbi, 0, sizeof(pbi));
        pbi.ExitStatus = p->exit_status;   /* QUERY-10 */
        pbi.PebBaseAddress = (PPEB)p->peb; /* QUERY-9 */
        pbi.AffinityMask = p->affinity;
        pbi.BasePriority = p->base_priority;
        pbi.UniqueProcessId = (ULONG_PTR)p->pid;
        pbi.InheritedFromUniqueProcessId = (ULONG_PTR)p->parent_pid; /* QUERY-11 */
        if (fixed == sizeof(PROCESS_EXTENDED_BASIC_INFORMATION)) {
            PROCESS_EXTENDED_BASIC_INFORMATION ext;
            memset(&ext, 0, sizeof(ext));
            ext.Size = sizeof(ext);
            ext.BasicInfo = pbi;
            ext.IsProcessDeleting = p->exiting || p->exited;
            ext.IsSubsystemProcess = pico;
            memcpy(out, &ext, sizeof(ext));
        } else {
            memcpy(out, &pbi, sizeof(pbi));
        }
        break;
    }
    case ProcessTimes: {
        KERNEL_USER_TIMES t;
        memset(&t, 0, sizeof(t));
        t.CreateTime.QuadPart = p->create_time;
        t.ExitTime.QuadPart = p->exited || p->exiting ? p->exit_time : 0;
        memcpy(out, &t, sizeof(t));
        break;
    }
    case ProcessDebugPort:
    case ProcessWow64Information: {
        ULONG_PTR zero = 0; /* no debugger, no WOW64 in the simulation */
        memcpy(out, &zero, sizeof(zero));
        break;
    }
    case ProcessBreakOnTermination: {
        ULONG zero = 0;
        memcpy(out, &zero, sizeof(zero));
        break;
    }
    case ProcessHandleCount: {
        ULONG n = p->handles.used;
        memcpy(out, &n, sizeof(n));
        break;
    }
    case ProcessSubsystemInformation: {
        /* QUERY-8 */
        SUBSYSTEM_INFORMATION_TYPE t =
            pico ? SubsystemInformationTypeWSL : SubsystemInformationTypeWin32;
        memcpy(out, &t, sizeof(t));
        break;
    }
    case ProcessSequenceNumber: {
        ULONGLONG n = p->sequence_number;
        memcpy(out, &n, sizeof(n));
        break;
    }
    case ProcessImageFileName:
        st = write_string(&p->image_name, out, ProcessInformationLength, ReturnLength);
        ObpDereference(m, p);
        return st;
    case ProcessCommandLineInformation:
        st = write_string(&p->command_line, out, ProcessInformationLength, ReturnLength);
        ObpDereference(m, p);
        return st;
    default:
        break;
    }
    if (ReturnLength)
        *ReturnLength = fixed; /* QUERY-6 */
    ObpDereference(m, p);
    return st;
}

NTSTATUS NtQueryInformationProcess(HANDLE ProcessHandle, PROCESSINFOCLASS ProcessInformationClass,
                                   PVOID ProcessInformation, ULONG ProcessInformationLength,
                                   PULONG ReturnLength)
{
    /* QUERY-1: simulated kernel threads have previous mode KernelMode, so the Nt form trusts
     * the same buffers and handles as the Zw form. */
    return ZwQueryInformationProcess(ProcessHandle, ProcessInformationClass, ProcessInformation,
                                     ProcessInformationLength, ReturnLength);
}

static ULONG thread_fixed_size(THREADINFOCLASS c)
{
    switch (c) {
    case ThreadBasicInformation:
        return sizeof(THREAD_BASIC_INFORMATION);
    case ThreadTimes:
        return sizeof(KERNEL_USER_TIMES);
    case ThreadQuerySetWin32StartAddress:
        return sizeof(PVOID);
    case ThreadAmILastThread:
    case ThreadIsIoPending:
    case ThreadBreakOnTermination:
    case ThreadIsTerminated:
        return sizeof(ULONG);
    case ThreadSubsystemInformation:
        return sizeof(SUBSYSTEM_INFORMATION_TYPE);
    default:
        return 0;
    }
}

NTSTATUS ZwQueryInformationThread(HANDLE ThreadHandle, THREADINFOCLASS ThreadInformationClass,
                                  PVOID ThreadInformation, ULONG ThreadInformationLength,
                                  PULONG ReturnLength)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_HANDLE;
    if (!check_passive(m, "ZwQueryInformationThread"))
        return PSSIM_STATUS_BUGCHECK;
    THREADINFOCLASS c = ThreadInformationClass;
    ULONG fixed = thread_fixed_size(c);
    if (!fixed)
        return STATUS_INVALID_INFO_CLASS;
    if (ThreadInformationLength != fixed)
        return STATUS_INFO_LENGTH_MISMATCH;
    if (!ThreadInformation)
        return STATUS_ACCESS_VIOLATION;
    PETHREAD t;
    NTSTATUS st = reference_target(ThreadHandle, *PsThreadType, (void **)&t);
    if (!NT_SUCCESS(st))
        return st;
    void *out = ThreadInformation;
    bool pico = t->process->subsystem != PSSIM_SUBSYSTEM_WIN32;
    switch (c) {
    case ThreadBasicInformation: {
        THREAD_BASIC_INFORMATION tbi;
        memset(&tbi, 0, sizeof(tbi));
        tbi.ExitStatus = t->exit_status;
        tbi.TebBaseAddress = t->teb; /* QUERY-9 */
        tbi.ClientId.UniqueProcess = t->process->pid;
        tbi.ClientId.UniqueThread = t->tid;
        tbi.AffinityMask = t->affinity;
        tbi.Priority = t->priority;
        tbi.BasePriority = t->base_priority;
        memcpy(out, &tbi, sizeof(tbi));
        break;
    }
    case ThreadTimes: {
        KERNEL_USER_TIMES tt;
        memset(&tt, 0, sizeof(tt));
        tt.CreateTime.QuadPart = t->create_time;
        tt.ExitTime.QuadPart = t->terminated ? t->exit_time : 0;
        memcpy(out, &tt, sizeof(tt));
        break;
    }
    case ThreadQuerySetWin32StartAddress:
        memcpy(out, &t->start_address, sizeof(PVOID));
        break;
    case ThreadAmILastThread: {
        ULONG last = t->process->live_threads == 1 ? 1 : 0;
        memcpy(out, &last, sizeof(last));
        break;
    }
    case ThreadIsIoPending:
    case ThreadBreakOnTermination: {
        ULONG zero = 0;
        memcpy(out, &zero, sizeof(zero));
        break;
    }
    case ThreadIsTerminated: {
        ULONG done = t->terminated ? 1 : 0;
        memcpy(out, &done, sizeof(done));
        break;
    }
    case ThreadSubsystemInformation: {
        SUBSYSTEM_INFORMATION_TYPE s =
            pico ? SubsystemInformationTypeWSL : SubsystemInformationTypeWin32;
        memcpy(out, &s, sizeof(s));
        break;
    }
    default:
        break;
    }
    if (ReturnLength)
        *ReturnLength = fixed;
    ObpDereference(m, t);
    return STATUS_SUCCESS;
}

NTSTATUS NtQueryInformationThread(HANDLE ThreadHandle, THREADINFOCLASS ThreadInformationClass,
                                  PVOID ThreadInformation, ULONG ThreadInformationLength,
                                  PULONG ReturnLength)
{
    return ZwQueryInformationThread(ThreadHandle, ThreadInformationClass, ThreadInformation,
                                    ThreadInformationLength, ReturnLength);
}
