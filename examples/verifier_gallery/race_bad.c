/* race_bad.c (GUIDE-9): the routine counts creations and exits with a plain increment. Exits
 * run on the exiting threads, creations on the creating ones: at the same time, on several
 * processors. Built with the race instrumentation. */
#include <ntddk.h>

static ULONG g_Events;

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(Create);
    g_Events++;
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
    return PsSetCreateProcessNotifyRoutine(OnProcess, FALSE);
}
