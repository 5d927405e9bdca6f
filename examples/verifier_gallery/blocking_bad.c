/* blocking_bad.c (GUIDE-4): the process routine waits for a "configuration ready" event with a
 * timeout. The creating thread, and every routine after this one, wait with it. */
#include <ntddk.h>

static KEVENT g_ConfigReady;

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    UNREFERENCED_PARAMETER(ProcessId);
    if (!Create)
        return;
    LARGE_INTEGER timeout;
    timeout.QuadPart = -1000; /* 100 us: short, but a wait that can block */
    KeWaitForSingleObject(&g_ConfigReady, Executive, KernelMode, FALSE, &timeout);
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
