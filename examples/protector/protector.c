/* protector.c: a process protector driver. Two policies, set by a user-mode client through the
 * control device \Device\Protector (link \??\Protector):
 *
 *  - a block list of image names: a process whose image file name ends with one of them may not
 *    be created (PsSetCreateProcessNotifyRoutineEx, CreationStatus = STATUS_ACCESS_DENIED);
 *  - a list of protected processes: a user-mode handle opened to one of them, or duplicated,
 *    loses PROTECTOR_STRIPPED_ACCESS (terminate, write memory, suspend) (ObRegisterCallbacks).
 *
 * protector.h documents the control codes and their statuses.
 *
 * Written only against the WDK (ntddk.h): the same file builds with the real WDK unchanged.
 * Rule IDs in comments refer to pssim's docs/ps-semantics.md (PROC-*) and docs/ob-callbacks.md
 * (OBCB-*), which restate what Windows does.
 *
 * Build switch: PROTECTOR_FORGET_UNREGISTER builds the classic bug, a DriverUnload that forgets
 * ObUnRegisterCallbacks (OBCB-12): Windows does not notice at unload, and the next process
 * handle operation calls into the unloaded image (bug check 0xCE). Never ship that build. */
#include <ntddk.h>

#include "protector.h"

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD ProtectorUnload;
static DRIVER_DISPATCH ProtectorCreateClose;
static DRIVER_DISPATCH ProtectorDeviceControl;

/* One protected process. The process object is referenced for as long as the entry exists, so
 * the pointer the Ob callback compares with cannot be reused for another process (a process ID
 * can: CID reuse). */
typedef struct _PROTECTOR_PROCESS_ENTRY {
    LIST_ENTRY Link;
    PEPROCESS Process; /* referenced */
    HANDLE ProcessId;
} PROTECTOR_PROCESS_ENTRY, *PPROTECTOR_PROCESS_ENTRY;

/* One blocked name; Name.Buffer points at Chars, which is NUL-terminated. */
typedef struct _PROTECTOR_NAME_ENTRY {
    LIST_ENTRY Link;
    UNICODE_STRING Name;
    WCHAR Chars[];
} PROTECTOR_NAME_ENTRY, *PPROTECTOR_NAME_ENTRY;

/* ---- driver state ----
 * The lists are read by the notify routine and the Ob pre-operation callback, which run at
 * PASSIVE_LEVEL on whatever thread creates a process or opens a handle, possibly on several
 * processors at once (PROC-NOTIFY-3, PROC-NOTIFY-4, OBCB-8), and changed by the control codes.
 * A push lock guards them: shared for the readers, exclusive for the changes, always taken
 * inside a critical region. The lists live in paged pool: every user runs at PASSIVE_LEVEL. */
static EX_PUSH_LOCK g_Lock;
static LIST_ENTRY g_Processes; /* PROTECTOR_PROCESS_ENTRY.Link */
static ULONG g_ProcessCount;
static LIST_ENTRY g_Names; /* PROTECTOR_NAME_ENTRY.Link */
static ULONG g_NameCount;

static LONG g_DeniedCreations;
static LONG g_StrippedOpens;
static LONG g_KernelHandlesSeen;

/* What DriverEntry set up, so that a failure or the unload undoes exactly that. */
static PDEVICE_OBJECT g_Device;
static BOOLEAN g_LinkCreated;
static BOOLEAN g_ProcessRoutineSet;
static PVOID g_ObRegistration;

static VOID ProtectorLockShared(VOID)
{
    KeEnterCriticalRegion();
    ExAcquirePushLockShared(&g_Lock);
}

static VOID ProtectorLockExclusive(VOID)
{
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(&g_Lock);
}

static VOID ProtectorUnlockShared(VOID)
{
    ExReleasePushLockShared(&g_Lock);
    KeLeaveCriticalRegion();
}

static VOID ProtectorUnlockExclusive(VOID)
{
    ExReleasePushLockExclusive(&g_Lock);
    KeLeaveCriticalRegion();
}

static VOID ProtectorFreeProcessEntry(_In_ PPROTECTOR_PROCESS_ENTRY Entry)
{
    ObDereferenceObject(Entry->Process);
    ExFreePoolWithTag(Entry, PROTECTOR_TAG_PROCESS);
}

/* ---- the protected processes ---- */

/* Call with the lock held (shared or exclusive). */
static PPROTECTOR_PROCESS_ENTRY ProtectorFindProcessLocked(_In_opt_ PVOID Process,
                                                           _In_opt_ HANDLE ProcessId)
{
    PLIST_ENTRY link;

    for (link = g_Processes.Flink; link != &g_Processes; link = link->Flink) {
        PPROTECTOR_PROCESS_ENTRY entry = CONTAINING_RECORD(link, PROTECTOR_PROCESS_ENTRY, Link);
        if (Process != NULL ? (PVOID)entry->Process == Process : entry->ProcessId == ProcessId)
            return entry;
    }
    return NULL;
}

static BOOLEAN ProtectorIsProtected(_In_ PVOID Process)
{
    BOOLEAN found;

    ProtectorLockShared();
    found = ProtectorFindProcessLocked(Process, NULL) != NULL;
    ProtectorUnlockShared();
    return found;
}

/* Takes the entry of Process (or, with Process NULL, of ProcessId) off the list. */
static PPROTECTOR_PROCESS_ENTRY ProtectorRemoveProcess(_In_opt_ PVOID Process,
                                                       _In_opt_ HANDLE ProcessId)
{
    PPROTECTOR_PROCESS_ENTRY entry;

    ProtectorLockExclusive();
    entry = ProtectorFindProcessLocked(Process, ProcessId);
    if (entry != NULL) {
        RemoveEntryList(&entry->Link);
        g_ProcessCount--;
    }
    ProtectorUnlockExclusive();
    return entry;
}

/* A referenced pointer to the process ProcessId, through a kernel handle (ntddk.h has no
 * PsLookupProcessByProcessId). The open runs the Ob callbacks as a kernel handle (OBCB-7). */
static NTSTATUS ProtectorReferenceProcess(_In_ HANDLE ProcessId, _Out_ PEPROCESS *Process)
{
    OBJECT_ATTRIBUTES attributes;
    CLIENT_ID cid;
    HANDLE handle = NULL;
    PVOID object = NULL;
    NTSTATUS status;

    *Process = NULL;
    cid.UniqueProcess = ProcessId;
    cid.UniqueThread = NULL;
    InitializeObjectAttributes(&attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    status = ZwOpenProcess(&handle, PROCESS_QUERY_LIMITED_INFORMATION, &attributes, &cid);
    if (!NT_SUCCESS(status))
        return status;
    status = ObReferenceObjectByHandle(handle, PROCESS_QUERY_LIMITED_INFORMATION, *PsProcessType,
                                       KernelMode, &object, NULL);
    ZwClose(handle);
    if (NT_SUCCESS(status))
        *Process = (PEPROCESS)object;
    return status;
}

static NTSTATUS ProtectorProtect(_In_reads_bytes_(Length) PVOID Buffer, _In_ ULONG Length)
{
    PPROTECTOR_PROCESS_REQUEST request = (PPROTECTOR_PROCESS_REQUEST)Buffer;
    PPROTECTOR_PROCESS_ENTRY entry;
    PEPROCESS process;
    NTSTATUS status;

    if (Length < sizeof(PROTECTOR_PROCESS_REQUEST))
        return STATUS_BUFFER_TOO_SMALL;
    if (request->ProcessId == 0)
        return STATUS_INVALID_PARAMETER;
    status = ProtectorReferenceProcess(ULongToHandle(request->ProcessId), &process);
    if (!NT_SUCCESS(status))
        return status;
    entry = (PPROTECTOR_PROCESS_ENTRY)ExAllocatePool2(
        POOL_FLAG_PAGED, sizeof(PROTECTOR_PROCESS_ENTRY), PROTECTOR_TAG_PROCESS);
    if (entry == NULL) {
        ObDereferenceObject(process);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    entry->Process = process;
    entry->ProcessId = ULongToHandle(request->ProcessId);

    ProtectorLockExclusive();
    if (ProtectorFindProcessLocked(process, NULL) != NULL) {
        status = STATUS_SUCCESS; /* already protected */
    } else if (g_ProcessCount >= PROTECTOR_MAX_PROCESSES) {
        status = STATUS_INSUFFICIENT_RESOURCES;
    } else {
        InsertTailList(&g_Processes, &entry->Link);
        g_ProcessCount++;
        entry = NULL;
        status = STATUS_SUCCESS;
    }
    ProtectorUnlockExclusive();

    if (entry != NULL)
        ProtectorFreeProcessEntry(entry); /* not inserted */
    return status;
}

static NTSTATUS ProtectorUnprotect(_In_reads_bytes_(Length) PVOID Buffer, _In_ ULONG Length)
{
    PPROTECTOR_PROCESS_REQUEST request = (PPROTECTOR_PROCESS_REQUEST)Buffer;
    PPROTECTOR_PROCESS_ENTRY entry;

    if (Length < sizeof(PROTECTOR_PROCESS_REQUEST))
        return STATUS_BUFFER_TOO_SMALL;
    if (request->ProcessId == 0)
        return STATUS_INVALID_PARAMETER;
    entry = ProtectorRemoveProcess(NULL, ULongToHandle(request->ProcessId));
    if (entry == NULL)
        return STATUS_NOT_FOUND;
    ProtectorFreeProcessEntry(entry); /* outside the lock */
    return STATUS_SUCCESS;
}

/* ---- the blocked names ---- */

/* An entry for Chars characters, NUL-terminated, with Name describing them (not yet filled). */
static PPROTECTOR_NAME_ENTRY ProtectorAllocateName(_In_ ULONG Chars)
{
    PPROTECTOR_NAME_ENTRY entry = (PPROTECTOR_NAME_ENTRY)ExAllocatePool2(
        POOL_FLAG_PAGED, sizeof(PROTECTOR_NAME_ENTRY) + (Chars + 1) * sizeof(WCHAR),
        PROTECTOR_TAG_NAME);

    if (entry == NULL)
        return NULL;
    entry->Name.Buffer = entry->Chars;
    entry->Name.Length = (USHORT)(Chars * sizeof(WCHAR));
    entry->Name.MaximumLength = (USHORT)((Chars + 1) * sizeof(WCHAR));
    return entry; /* zeroed by ExAllocatePool2: already NUL-terminated */
}

/* Puts a filled entry on the list, or frees it (a name already there, or a full list). */
static NTSTATUS ProtectorInsertName(_In_ PPROTECTOR_NAME_ENTRY Entry)
{
    PLIST_ENTRY link;
    NTSTATUS status = STATUS_SUCCESS;
    BOOLEAN inserted = FALSE;

    ProtectorLockExclusive();
    for (link = g_Names.Flink; link != &g_Names; link = link->Flink) {
        if (RtlEqualUnicodeString(&CONTAINING_RECORD(link, PROTECTOR_NAME_ENTRY, Link)->Name,
                                  &Entry->Name, TRUE))
            break;
    }
    if (link != &g_Names) {
        status = STATUS_SUCCESS; /* already blocked */
    } else if (g_NameCount >= PROTECTOR_MAX_NAMES) {
        status = STATUS_INSUFFICIENT_RESOURCES;
    } else {
        InsertTailList(&g_Names, &Entry->Link);
        g_NameCount++;
        inserted = TRUE;
    }
    ProtectorUnlockExclusive();

    if (!inserted)
        ExFreePoolWithTag(Entry, PROTECTOR_TAG_NAME);
    return status;
}

/* IOCTL_PROTECTOR_BLOCK_IMAGE_W: Length bytes of WCHARs. */
static NTSTATUS ProtectorBlockNameW(_In_reads_bytes_opt_(Length) PVOID Buffer, _In_ ULONG Length)
{
    const WCHAR *text = (const WCHAR *)Buffer;
    PPROTECTOR_NAME_ENTRY entry;
    ULONG chars, i;

    if (Buffer == NULL || Length == 0 || Length % sizeof(WCHAR) != 0)
        return STATUS_INVALID_PARAMETER;
    chars = Length / sizeof(WCHAR);
    while (chars > 0 && text[chars - 1] == L'\0')
        chars--;
    if (chars == 0 || chars > PROTECTOR_MAX_NAME_CHARS)
        return STATUS_INVALID_PARAMETER;
    for (i = 0; i < chars; i++) {
        if (text[i] == L'\0')
            return STATUS_INVALID_PARAMETER; /* a NUL inside the name */
    }
    entry = ProtectorAllocateName(chars);
    if (entry == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlCopyMemory(entry->Chars, text, chars * sizeof(WCHAR));
    return ProtectorInsertName(entry);
}

/* IOCTL_PROTECTOR_BLOCK_IMAGE_A: Length bytes of ANSI characters. */
static NTSTATUS ProtectorBlockNameA(_In_reads_bytes_opt_(Length) PVOID Buffer, _In_ ULONG Length)
{
    const CHAR *text = (const CHAR *)Buffer;
    PPROTECTOR_NAME_ENTRY entry;
    ANSI_STRING ansi;
    ULONG chars, i;
    NTSTATUS status;

    if (Buffer == NULL || Length == 0)
        return STATUS_INVALID_PARAMETER;
    chars = Length;
    while (chars > 0 && text[chars - 1] == '\0')
        chars--;
    if (chars == 0 || chars > PROTECTOR_MAX_NAME_CHARS)
        return STATUS_INVALID_PARAMETER;
    for (i = 0; i < chars; i++) {
        if (text[i] == '\0')
            return STATUS_INVALID_PARAMETER;
    }
    entry = ProtectorAllocateName(chars);
    if (entry == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    ansi.Buffer = (PCHAR)text;
    ansi.Length = (USHORT)chars;
    ansi.MaximumLength = (USHORT)chars;
    entry->Name.Length = 0;
    status = RtlAnsiStringToUnicodeString(&entry->Name, &ansi, FALSE);
    if (!NT_SUCCESS(status) || entry->Name.Length == 0) {
        ExFreePoolWithTag(entry, PROTECTOR_TAG_NAME);
        return NT_SUCCESS(status) ? STATUS_INVALID_PARAMETER : status;
    }
    return ProtectorInsertName(entry);
}

/* TRUE when Image ends with Name on a path separator, or is Name, compared without case. */
static BOOLEAN ProtectorNameMatches(_In_ PCUNICODE_STRING Image, _In_ PCUNICODE_STRING Name)
{
    ULONG imageChars = Image->Length / sizeof(WCHAR); /* never divide by 2: WCHAR may be wider */
    ULONG nameChars = Name->Length / sizeof(WCHAR);
    UNICODE_STRING tail;
    WCHAR before;

    if (nameChars == 0 || nameChars > imageChars)
        return FALSE;
    tail.Buffer = Image->Buffer + (imageChars - nameChars);
    tail.Length = (USHORT)(nameChars * sizeof(WCHAR));
    tail.MaximumLength = tail.Length;
    if (!RtlEqualUnicodeString(&tail, Name, TRUE))
        return FALSE;
    if (imageChars == nameChars || Name->Buffer[0] == L'\\' || Name->Buffer[0] == L'/')
        return TRUE;
    before = Image->Buffer[imageChars - nameChars - 1];
    return before == L'\\' || before == L'/';
}

static BOOLEAN ProtectorIsBlocked(_In_ PCUNICODE_STRING Image)
{
    PLIST_ENTRY link;
    BOOLEAN blocked = FALSE;

    ProtectorLockShared();
    for (link = g_Names.Flink; link != &g_Names && !blocked; link = link->Flink)
        blocked =
            ProtectorNameMatches(Image, &CONTAINING_RECORD(link, PROTECTOR_NAME_ENTRY, Link)->Name);
    ProtectorUnlockShared();
    return blocked;
}

/* ---- the routines ---- */

/* Registered with PsSetCreateProcessNotifyRoutineEx: Win32 processes only (WSL processes reach
 * Ex2 routines alone, PROC-NOTIFY-14). Create: on the creating thread (PROC-NOTIFY-2). Exit: on
 * the process's last thread (PROC-NOTIFY-10), also after a denial (PROC-NOTIFY-11). */
static VOID ProtectorOnProcess(_Inout_ PEPROCESS Process, _In_ HANDLE ProcessId,
                               _Inout_opt_ PPS_CREATE_NOTIFY_INFO CreateInfo)
{
    PPROTECTOR_PROCESS_ENTRY entry;

    if (CreateInfo == NULL) {
        /* A protected process has exited: forget it, so that its ID, once reused, names an
         * unprotected process again. */
        entry = ProtectorRemoveProcess(Process, NULL);
        if (entry != NULL)
            ProtectorFreeProcessEntry(entry);
        return;
    }
    if (CreateInfo->ImageFileName == NULL || CreateInfo->ImageFileName->Buffer == NULL)
        return;
    if (ProtectorIsBlocked(CreateInfo->ImageFileName)) {
        /* PROC-NOTIFY-7: an error status stops the creation, and the creator's call fails with
         * it. */
        CreateInfo->CreationStatus = STATUS_ACCESS_DENIED;
        InterlockedIncrement(&g_DeniedCreations);
        DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_WARNING_LEVEL,
                   "protector: denied process %lu: %wZ\n", HandleToULong(ProcessId),
                   CreateInfo->ImageFileName);
    }
}

/* The Ob pre-operation callback, for OB_OPERATION_HANDLE_CREATE and _DUPLICATE of process
 * handles (OBCB-6, OBCB-7). It runs synchronously on the thread making the handle (OBCB-8). */
static OB_PREOP_CALLBACK_STATUS ProtectorPreOperation(_In_ PVOID RegistrationContext,
                                                      _Inout_ POB_PRE_OPERATION_INFORMATION Info)
{
    PACCESS_MASK desired;
    PVOID owner; /* the process whose handle table gets the handle */

    UNREFERENCED_PARAMETER(RegistrationContext);
    if (Info->ObjectType != *PsProcessType || !ProtectorIsProtected(Info->Object))
        return OB_PREOP_SUCCESS;
    if (Info->KernelHandle) {
        /* OBCB-9: whatever a routine does to a kernel handle's access is discarded; kernel code
         * (the system, other drivers) keeps its rights. */
        InterlockedIncrement(&g_KernelHandlesSeen);
        return OB_PREOP_SUCCESS;
    }
    if (Info->Operation == OB_OPERATION_HANDLE_CREATE) {
        desired = &Info->Parameters->CreateHandleInformation.DesiredAccess;
        owner = PsGetCurrentProcess();
    } else if (Info->Operation == OB_OPERATION_HANDLE_DUPLICATE) {
        desired = &Info->Parameters->DuplicateHandleInformation.DesiredAccess;
        owner = Info->Parameters->DuplicateHandleInformation.TargetProcess;
    } else {
        return OB_PREOP_SUCCESS;
    }
    if (owner == Info->Object)
        return OB_PREOP_SUCCESS; /* the process's own handle to itself */
    /* OBCB-9: clear bits only; rights in the type's RetainAccess (SYNCHRONIZE,
     * PROCESS_QUERY_LIMITED_INFORMATION) would survive anyway. */
    if ((*desired & PROTECTOR_STRIPPED_ACCESS) != 0) {
        *desired &= ~(ACCESS_MASK)PROTECTOR_STRIPPED_ACCESS;
        InterlockedIncrement(&g_StrippedOpens);
    }
    return OB_PREOP_SUCCESS; /* the only value drivers may return (OBCB-9) */
}

/* ---- the control device ---- */

static NTSTATUS ProtectorComplete(_Inout_ PIRP Irp, _In_ NTSTATUS Status,
                                  _In_ ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS ProtectorCreateClose(_In_ PDEVICE_OBJECT DeviceObject, _Inout_ PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return ProtectorComplete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS ProtectorGetStats(_Out_writes_bytes_(Length) PVOID Buffer, _In_ ULONG Length,
                                  _Out_ PULONG_PTR Information)
{
    PPROTECTOR_STATS stats = (PPROTECTOR_STATS)Buffer;

    if (Buffer == NULL || Length < sizeof(PROTECTOR_STATS))
        return STATUS_BUFFER_TOO_SMALL;
    RtlZeroMemory(stats, sizeof(*stats));
    stats->DeniedCreations = (ULONG)InterlockedCompareExchange(&g_DeniedCreations, 0, 0);
    stats->StrippedOpens = (ULONG)InterlockedCompareExchange(&g_StrippedOpens, 0, 0);
    stats->KernelHandlesSeen = (ULONG)InterlockedCompareExchange(&g_KernelHandlesSeen, 0, 0);
    ProtectorLockShared();
    stats->ProtectedProcesses = g_ProcessCount;
    stats->BlockedNames = g_NameCount;
    ProtectorUnlockShared();
    *Information = sizeof(PROTECTOR_STATS);
    return STATUS_SUCCESS;
}

/* METHOD_BUFFERED: input and output share Irp->AssociatedIrp.SystemBuffer, which holds
 * max(input, output) bytes and is NULL when both lengths are 0. Every length is checked before
 * the buffer is read. */
static NTSTATUS ProtectorDeviceControl(_In_ PDEVICE_OBJECT DeviceObject, _Inout_ PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG inLength = stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG outLength = stack->Parameters.DeviceIoControl.OutputBufferLength;
    PVOID buffer = Irp->AssociatedIrp.SystemBuffer;
    ULONG_PTR information = 0;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(DeviceObject);
    if (buffer == NULL)
        inLength = outLength = 0;
    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_PROTECTOR_PROTECT_PROCESS:
        status = ProtectorProtect(buffer, inLength);
        break;
    case IOCTL_PROTECTOR_UNPROTECT_PROCESS:
        status = ProtectorUnprotect(buffer, inLength);
        break;
    case IOCTL_PROTECTOR_BLOCK_IMAGE_W:
        status = ProtectorBlockNameW(buffer, inLength);
        break;
    case IOCTL_PROTECTOR_BLOCK_IMAGE_A:
        status = ProtectorBlockNameA(buffer, inLength);
        break;
    case IOCTL_PROTECTOR_GET_STATS:
        status = ProtectorGetStats(buffer, outLength, &information);
        break;
    default:
        status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }
    return ProtectorComplete(Irp, status, information);
}

/* ---- load and unload ---- */

/* Undoes what DriverEntry set up, newest first. Each unregistration waits for the calls in
 * flight (OBCB-11, PROC-REG-9); after both, no routine can touch the lists any more. */
static VOID ProtectorCleanup(VOID)
{
    if (g_ObRegistration != NULL) {
#ifndef PROTECTOR_FORGET_UNREGISTER
        ObUnRegisterCallbacks(g_ObRegistration);
#endif
        /* With PROTECTOR_FORGET_UNREGISTER the registration stays behind, pointing into this
         * image after it is gone (OBCB-12). */
        g_ObRegistration = NULL;
    }
    if (g_ProcessRoutineSet) {
        PsSetCreateProcessNotifyRoutineEx(ProtectorOnProcess, TRUE);
        g_ProcessRoutineSet = FALSE;
    }
    if (g_LinkCreated) {
        UNICODE_STRING link = RTL_CONSTANT_STRING(PROTECTOR_LINK_NAME);
        IoDeleteSymbolicLink(&link);
        g_LinkCreated = FALSE;
    }
    if (g_Device != NULL) {
        IoDeleteDevice(g_Device);
        g_Device = NULL;
    }
    while (!IsListEmpty(&g_Processes))
        ProtectorFreeProcessEntry(
            CONTAINING_RECORD(RemoveHeadList(&g_Processes), PROTECTOR_PROCESS_ENTRY, Link));
    g_ProcessCount = 0;
    while (!IsListEmpty(&g_Names))
        ExFreePoolWithTag(CONTAINING_RECORD(RemoveHeadList(&g_Names), PROTECTOR_NAME_ENTRY, Link),
                          PROTECTOR_TAG_NAME);
    g_NameCount = 0;
}

static VOID ProtectorUnload(_In_ PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    ProtectorCleanup();
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "protector: unloaded\n");
}

static NTSTATUS ProtectorFail(_In_ PCSTR What, _In_ NTSTATUS Status)
{
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "protector: %s failed (0x%08X)\n", What,
               (ULONG)Status);
    ProtectorCleanup();
    return Status;
}

NTSTATUS DriverEntry(_In_ PDRIVER_OBJECT DriverObject, _In_ PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING deviceName = RTL_CONSTANT_STRING(PROTECTOR_DEVICE_NAME);
    UNICODE_STRING linkName = RTL_CONSTANT_STRING(PROTECTOR_LINK_NAME);
    OB_OPERATION_REGISTRATION operation;
    OB_CALLBACK_REGISTRATION registration;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(RegistryPath);

    /* The image may be loaded again after an unload: start from a clean state. */
    ExInitializePushLock(&g_Lock);
    InitializeListHead(&g_Processes);
    InitializeListHead(&g_Names);
    g_ProcessCount = g_NameCount = 0;
    g_DeniedCreations = g_StrippedOpens = g_KernelHandlesSeen = 0;
    g_Device = NULL;
    g_LinkCreated = FALSE;
    g_ProcessRoutineSet = FALSE;
    g_ObRegistration = NULL;

    DriverObject->DriverUnload = ProtectorUnload;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = ProtectorCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = ProtectorCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = ProtectorDeviceControl;

    /* A product would use IoCreateDeviceSecure (wdmsec.h) with an SDDL that admits
     * administrators only: whoever can open this device decides what may run. */
    status = IoCreateDevice(DriverObject, 0, &deviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &g_Device);
    if (!NT_SUCCESS(status)) {
        g_Device = NULL;
        return ProtectorFail("IoCreateDevice", status);
    }
    g_Device->Flags |= DO_BUFFERED_IO;

    status = IoCreateSymbolicLink(&linkName, &deviceName);
    if (!NT_SUCCESS(status))
        return ProtectorFail("IoCreateSymbolicLink", status);
    g_LinkCreated = TRUE;

    /* STATUS_ACCESS_DENIED unless the image is linked with /INTEGRITYCHECK (PROC-REG-5). */
    status = PsSetCreateProcessNotifyRoutineEx(ProtectorOnProcess, FALSE);
    if (!NT_SUCCESS(status))
        return ProtectorFail("PsSetCreateProcessNotifyRoutineEx", status);
    g_ProcessRoutineSet = TRUE;

    /* Process handles, created and duplicated; a pre routine only. The altitude must be unique
     * among the registrations of the machine (OBCB-5); the integrity rule applies too (OBCB-4).
     * ObRegisterCallbacks copies what it needs, so the structures may live on the stack. */
    RtlZeroMemory(&operation, sizeof(operation));
    operation.ObjectType = PsProcessType;
    operation.Operations = OB_OPERATION_HANDLE_CREATE | OB_OPERATION_HANDLE_DUPLICATE;
    operation.PreOperation = ProtectorPreOperation;
    operation.PostOperation = NULL;
    RtlZeroMemory(&registration, sizeof(registration));
    registration.Version = OB_FLT_REGISTRATION_VERSION;
    registration.OperationRegistrationCount = 1;
    RtlInitUnicodeString(&registration.Altitude, L"328410.7");
    registration.RegistrationContext = NULL;
    registration.OperationRegistration = &operation;
    status = ObRegisterCallbacks(&registration, &g_ObRegistration);
    if (!NT_SUCCESS(status)) {
        g_ObRegistration = NULL;
        return ProtectorFail("ObRegisterCallbacks", status);
    }

    g_Device->Flags &= ~DO_DEVICE_INITIALIZING;
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "protector: started\n");
    return STATUS_SUCCESS;
}
