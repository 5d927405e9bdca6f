/* lock_order_bad.c (GUIDE-5): the process routine takes the process table's lock, then the
 * statistics lock; the thread routine takes them the other way round. One thread creating a
 * process while another creates a thread deadlocks. */
#include <ntddk.h>

static FAST_MUTEX g_ProcessTableLock;
static FAST_MUTEX g_StatsLock;
static ULONG g_Processes, g_Threads;

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(Create);
    ExAcquireFastMutex(&g_ProcessTableLock);
    ExAcquireFastMutex(&g_StatsLock);
    g_Processes++;
    ExReleaseFastMutex(&g_StatsLock);
    ExReleaseFastMutex(&g_ProcessTableLock);
}

static VOID OnThread(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(ThreadId);
    UNREFERENCED_PARAMETER(Create);
    ExAcquireFastMutex(&g_StatsLock);
    ExAcquireFastMutex(&g_ProcessTableLock); /* the other order */
    g_Threads++;
    ExReleaseFastMutex(&g_ProcessTableLock);
    ExReleaseFastMutex(&g_StatsLock);
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
