/* registry_bad.c (GUIDE-3): the process routine reads its "Enabled" setting from the registry
 * on every process creation. */
#include <ntddk.h>

static UNICODE_STRING g_KeyPath;
static WCHAR g_KeyPathBuffer[256];
static ULONG g_Created;

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    UNREFERENCED_PARAMETER(ProcessId);
    if (!Create)
        return;
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, &g_KeyPath, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE,
                               NULL, NULL);
    HANDLE key;
    if (NT_SUCCESS(ZwOpenKey(&key, KEY_READ, &attributes))) {
        g_Created++;
        ZwClose(key);
    }
}

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PsSetCreateProcessNotifyRoutine(OnProcess, TRUE);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DriverObject->DriverUnload = Unload;
    RtlInitEmptyUnicodeString(&g_KeyPath, g_KeyPathBuffer, sizeof(g_KeyPathBuffer));
    RtlCopyUnicodeString(&g_KeyPath, RegistryPath);
    return PsSetCreateProcessNotifyRoutine(OnProcess, FALSE);
}
