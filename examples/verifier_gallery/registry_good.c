/* registry_good.c (GUIDE-3): the setting is read once, in DriverEntry, and kept in memory; the
 * routine touches no registry. */
#include <ntddk.h>

static ULONG g_Enabled = 1;
static ULONG g_Created;

static VOID OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    UNREFERENCED_PARAMETER(ProcessId);
    if (Create && g_Enabled)
        InterlockedIncrement((LONG volatile *)&g_Created);
}

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PsSetCreateProcessNotifyRoutine(OnProcess, TRUE);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DriverObject->DriverUnload = Unload;
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, RegistryPath, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE,
                               NULL, NULL);
    HANDLE key;
    if (NT_SUCCESS(ZwOpenKey(&key, KEY_READ, &attributes))) {
        UNICODE_STRING name = RTL_CONSTANT_STRING(L"Enabled");
        UCHAR buffer[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
        ULONG length;
        if (NT_SUCCESS(ZwQueryValueKey(key, &name, KeyValuePartialInformation, buffer,
                                       sizeof(buffer), &length))) {
            PKEY_VALUE_PARTIAL_INFORMATION value = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
            if (value->Type == REG_DWORD && value->DataLength == sizeof(ULONG))
                g_Enabled = *(ULONG *)value->Data;
        }
        ZwClose(key);
    }
    return PsSetCreateProcessNotifyRoutine(OnProcess, FALSE);
}
