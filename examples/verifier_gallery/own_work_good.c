/* own_work_good.c (GUIDE-6): each event gets its own work item from pool, queued and left to
 * run; the routine returns at once. DriverUnload waits until every queued item has run, so no
 * item outlives the driver (WORK-4). */
#include <ntddk.h>

typedef struct _WORK {
    WORK_QUEUE_ITEM Item;
    HANDLE ProcessId;
} WORK, *PWORK;

static HANDLE g_LastPid;
static LONG g_Pending;
static KEVENT g_Idle; /* signaled while no item is pending */

static VOID SlowPart(PVOID Context)
{
    PWORK work = (PWORK)Context;
    g_LastPid = work->ProcessId;
    ExFreePoolWithTag(work, 'krWG');
    if (InterlockedDecrement(&g_Pending) == 0)
        KeSetEvent(&g_Idle, IO_NO_INCREMENT, FALSE);
}

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    if (!Create)
        return;
    PWORK work = (PWORK)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(WORK), 'krWG');
    if (!work)
        return;
    work->ProcessId = ProcessId;
    if (InterlockedIncrement(&g_Pending) == 1)
        KeClearEvent(&g_Idle);
    ExInitializeWorkItem(&work->Item, SlowPart, work);
    ExQueueWorkItem(&work->Item, DelayedWorkQueue);
}

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PsSetCreateProcessNotifyRoutine(OnProcess, TRUE);
    KeWaitForSingleObject(&g_Idle, Executive, KernelMode, FALSE, NULL);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = Unload;
    KeInitializeEvent(&g_Idle, NotificationEvent, TRUE);
    return PsSetCreateProcessNotifyRoutine(OnProcess, FALSE);
}
