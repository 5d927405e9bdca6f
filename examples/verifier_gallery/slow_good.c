/* slow_good.c (GUIDE-1, GUIDE-6): the routine queues the scan to a work item and returns.
 * DriverUnload waits for the items still pending. */
#include <ntifs.h>

typedef struct _SCAN {
    WORK_QUEUE_ITEM Item;
    HANDLE ParentId;
} SCAN, *PSCAN;

static ULONG g_Alive;
static LONG g_Pending;
static KEVENT g_Idle;

static VOID Scan(PVOID Context)
{
    PSCAN scan = (PSCAN)Context;
    for (ULONG_PTR id = 8; id < 20000; id += 4) {
        PEPROCESS process;
        if (NT_SUCCESS(PsLookupProcessByProcessId((HANDLE)id, &process))) {
            InterlockedIncrement((LONG volatile *)&g_Alive);
            ObDereferenceObject(process);
        }
    }
    ExFreePoolWithTag(scan, 'nSGV');
    if (InterlockedDecrement(&g_Pending) == 0)
        KeSetEvent(&g_Idle, IO_NO_INCREMENT, FALSE);
}

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ProcessId);
    if (!Create)
        return;
    PSCAN scan = (PSCAN)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(SCAN), 'nSGV');
    if (!scan)
        return;
    scan->ParentId = ParentId;
    if (InterlockedIncrement(&g_Pending) == 1)
        KeClearEvent(&g_Idle);
    ExInitializeWorkItem(&scan->Item, Scan, scan);
    ExQueueWorkItem(&scan->Item, DelayedWorkQueue);
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
