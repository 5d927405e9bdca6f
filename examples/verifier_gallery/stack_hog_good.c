/* stack_hog_good.c (GUIDE-7, STACK-1): the 16 KiB report lives in pool; the routine's frame
 * stays small. */
#include <ntddk.h>

#define REPORT_SIZE (16 * 1024)

static ULONG g_Checksum;

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    if (!Create)
        return;
    PCHAR report = (PCHAR)ExAllocatePool2(POOL_FLAG_PAGED, REPORT_SIZE, 'pRGV');
    if (!report)
        return;
    RtlFillMemory(report, REPORT_SIZE, (UCHAR)(ULONG_PTR)ProcessId);
    g_Checksum += (ULONG)RtlCompareMemory(report, report + 8192, 8192);
    ExFreePoolWithTag(report, 'pRGV');
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
