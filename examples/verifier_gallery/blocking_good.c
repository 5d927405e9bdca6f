/* blocking_good.c (GUIDE-4): the routine only looks at the event's state (a zero-timeout wait
 * would do too) and never blocks. */
#include <ntddk.h>

static KEVENT g_ConfigReady;
static LONG g_SeenBeforeReady;

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    UNREFERENCED_PARAMETER(ProcessId);
    if (Create && KeReadStateEvent(&g_ConfigReady) == 0)
        InterlockedIncrement(&g_SeenBeforeReady);
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
    KeInitializeEvent(&g_ConfigReady, NotificationEvent, FALSE);
    return PsSetCreateProcessNotifyRoutine(OnProcess, FALSE);
}
