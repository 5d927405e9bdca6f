/* stack_hog_bad.c (GUIDE-7): the routine builds a 16 KiB report on the stack. A notify routine
 * runs deep in the creating thread's 24 KiB kernel stack (KERNEL_STACK_SIZE on x64). */
#include <ntddk.h>

static ULONG g_Checksum;

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    if (!Create)
        return;
    CHAR report[16 * 1024];
    RtlFillMemory(report, sizeof(report), (UCHAR)(ULONG_PTR)ProcessId);
    g_Checksum += (ULONG)RtlCompareMemory(report, report + 8192, 8192);
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
