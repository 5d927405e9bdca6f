/* own_work_bad.c (GUIDE-6): the routine hands the slow part to a work item, then waits for it.
 * The worker may need what the creating thread holds; the wait can deadlock. */
#include <ntddk.h>

static WORK_QUEUE_ITEM g_Item;
static KEVENT g_Done;
static HANDLE g_LastPid;

static VOID SlowPart(PVOID Context)
{
    g_LastPid = (HANDLE)Context;
    KeSetEvent(&g_Done, IO_NO_INCREMENT, FALSE);
}

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    if (!Create)
        return;
    KeClearEvent(&g_Done);
    ExInitializeWorkItem(&g_Item, SlowPart, ProcessId);
    ExQueueWorkItem(&g_Item, DelayedWorkQueue);
    KeWaitForSingleObject(&g_Done, Executive, KernelMode, FALSE, NULL);
}

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PsSetCreateProcessNotifyRoutine(OnProcess, TRUE);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = Unload;
    KeInitializeEvent(&g_Done, NotificationEvent, FALSE);
    return PsSetCreateProcessNotifyRoutine(OnProcess, FALSE);
}
