/* slow_bad.c (GUIDE-1): to count the processes alive, the routine looks up every process ID
 * in turn: thousands of kernel calls inside the creating thread's call. */
#include <ntifs.h>

static ULONG g_Alive;

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    UNREFERENCED_PARAMETER(ProcessId);
    if (!Create)
        return;
    for (ULONG_PTR id = 8; id < 20000; id += 4) {
        PEPROCESS process;
        if (NT_SUCCESS(PsLookupProcessByProcessId((HANDLE)id, &process))) {
            g_Alive++;
            ObDereferenceObject(process);
        }
    }
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
