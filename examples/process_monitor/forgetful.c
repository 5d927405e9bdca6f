/* forgetful.c: a driver with the classic unload bug. It registers a process notify routine in
 * DriverEntry and its DriverUnload forgets to remove it (PROC-REG-12). Windows does not check
 * at unload; the next process creation calls into the driver's unloaded code and the machine
 * stops with bug check 0xCE (DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS).
 *
 * Written only against the WDK (ntddk.h), like procmon.c. Do not copy it. */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD ForgetfulUnload;

static LONG g_ProcessesSeen;

static VOID ForgetfulOnProcess(_Inout_ PEPROCESS Process, _In_ HANDLE ProcessId,
                               _Inout_opt_ PPS_CREATE_NOTIFY_INFO CreateInfo)
{
    UNREFERENCED_PARAMETER(Process);
    UNREFERENCED_PARAMETER(ProcessId);
    if (CreateInfo != NULL)
        InterlockedIncrement(&g_ProcessesSeen);
}

static VOID ForgetfulUnload(_In_ PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    /* BUG: the matching
     *     PsSetCreateProcessNotifyRoutineEx(ForgetfulOnProcess, TRUE);
     * is missing here. */
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL,
               "forgetful: unloading (process creations seen: %ld)\n", g_ProcessesSeen);
}

NTSTATUS DriverEntry(_In_ PDRIVER_OBJECT DriverObject, _In_ PUNICODE_STRING RegistryPath)
{
    NTSTATUS status;

    UNREFERENCED_PARAMETER(RegistryPath);
    g_ProcessesSeen = 0;
    status = PsSetCreateProcessNotifyRoutineEx(ForgetfulOnProcess, FALSE);
    if (!NT_SUCCESS(status))
        return status;
    DriverObject->DriverUnload = ForgetfulUnload;
    return STATUS_SUCCESS;
}
