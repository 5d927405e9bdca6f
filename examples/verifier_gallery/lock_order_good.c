/* lock_order_good.c (GUIDE-5): both routines take the process table's lock first, then the
 * statistics lock: one order everywhere. */
#include <ntddk.h>

static FAST_MUTEX g_ProcessTableLock;
static FAST_MUTEX g_StatsLock;
static ULONG g_Processes, g_Threads;

static VOID Count(ULONG *Counter)
{
    ExAcquireFastMutex(&g_ProcessTableLock);
    ExAcquireFastMutex(&g_StatsLock);
    (*Counter)++;
    ExReleaseFastMutex(&g_StatsLock);
    ExReleaseFastMutex(&g_ProcessTableLock);
}

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(Create);
    Count(&g_Processes);
}

static VOID OnThread(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(ThreadId);
    UNREFERENCED_PARAMETER(Create);
    Count(&g_Threads);
}

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PsSetCreateProcessNotifyRoutine(OnProcess, TRUE);
    PsRemoveCreateThreadNotifyRoutine(OnThread);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = Unload;
    ExInitializeFastMutex(&g_ProcessTableLock);
    ExInitializeFastMutex(&g_StatsLock);
    NTSTATUS status = PsSetCreateProcessNotifyRoutine(OnProcess, FALSE);
    if (NT_SUCCESS(status)) {
        status = PsSetCreateThreadNotifyRoutine(OnThread);
        if (!NT_SUCCESS(status))
            PsSetCreateProcessNotifyRoutine(OnProcess, TRUE);
    }
    return status;
}
