// sysmon.cpp: SysMon, a system monitor driver. It records process creations and exits, thread
// creations and exits, and image loads in a bounded in-memory list, and hands them to a
// user-mode client that reads \\.\SysMon (ReadFile: whole records, oldest first) and asks for
// counters with DeviceIoControl (sysmon_common.h).
//
// Plain WDK C++17: <ntddk.h> only, no exceptions, no RTTI, no C++ runtime.
#include <ntddk.h>

#include "sysmon.h"

namespace
{

SysMonGlobals g_Globals;

static_assert(FIELD_OFFSET(FullItem<ItemHeader>, Data) == FIELD_OFFSET(FullItem<ThreadInfo>, Data),
              "every record sits at the same offset of its FullItem");
static_assert(FIELD_OFFSET(FullItem<ItemHeader>, Data) ==
                  FIELD_OFFSET(FullItem<ProcessCreateInfo>, Data),
              "every record sits at the same offset of its FullItem");
static_assert(FIELD_OFFSET(FullItem<ItemHeader>, Data) ==
                  FIELD_OFFSET(FullItem<ProcessExitInfo>, Data),
              "every record sits at the same offset of its FullItem");
static_assert(FIELD_OFFSET(FullItem<ItemHeader>, Data) ==
                  FIELD_OFFSET(FullItem<ImageLoadInfo>, Data),
              "every record sits at the same offset of its FullItem");
static_assert(FIELD_OFFSET(FullItem<ItemHeader>, Entry) == 0, "the pool block starts at Entry");
static_assert(sizeof(ItemHeader) % 8 == 0 && sizeof(ProcessCreateInfo) % sizeof(WCHAR) == 0,
              "record layout");

// Record sizes are rounded up to 8 bytes so that records read back to back stay aligned.
constexpr ULONG RoundRecordSize(SIZE_T Bytes)
{
    return static_cast<ULONG>((Bytes + 7) & ~SIZE_T(7));
}

FullItem<ItemHeader> *ItemFromEntry(PLIST_ENTRY Entry)
{
    return CONTAINING_RECORD(Entry, FullItem<ItemHeader>, Entry);
}

// ---- the bounded list ----

// A zeroed record of type T with ExtraBytes of room after the fixed part, or nullptr (counted)
// when pool is short. The notify routines and the dispatch routines run below DISPATCH_LEVEL, so
// the list lives in paged pool.
template <typename T> FullItem<T> *AllocateItem(ItemType Type, SIZE_T ExtraBytes)
{
    const ULONG size = RoundRecordSize(sizeof(T) + ExtraBytes);
    auto item = static_cast<FullItem<T> *>(ExAllocatePool2(
        POOL_FLAG_PAGED, FIELD_OFFSET(FullItem<T>, Data) + SIZE_T(size), SYSMON_TAG));
    if (item == nullptr) {
        AutoLock<FastMutex> lock(g_Globals.Lock);
        g_Globals.AllocationFailures++;
        return nullptr;
    }
    item->Data.Header.Type = Type;
    item->Data.Header.Size = size;
    return item;
}

// Appends a record, discarding the oldest one when SYSMON_MAX_ITEMS are queued. The time stamp
// is taken under the lock, so the list is in time order however the routines interleave.
void PushEntry(PLIST_ENTRY Entry, ItemHeader *Header)
{
    PLIST_ENTRY dropped = nullptr;
    {
        AutoLock<FastMutex> lock(g_Globals.Lock);
        KeQuerySystemTimePrecise(&Header->Time);
        if (g_Globals.ItemCount >= SYSMON_MAX_ITEMS) {
            dropped = RemoveHeadList(&g_Globals.ItemsHead);
            g_Globals.ItemCount--;
            g_Globals.QueuedBytes -= ItemFromEntry(dropped)->Data.Size;
            g_Globals.Dropped++;
        }
        InsertTailList(&g_Globals.ItemsHead, Entry);
        g_Globals.ItemCount++;
        g_Globals.QueuedBytes += Header->Size;
        g_Globals.Recorded++;
    }
    if (dropped != nullptr)
        ExFreePoolWithTag(ItemFromEntry(dropped), SYSMON_TAG);
}

template <typename T> void PushItem(FullItem<T> *Item)
{
    PushEntry(&Item->Entry, &Item->Data.Header);
}

void FreeEntries(PLIST_ENTRY Head)
{
    while (!IsListEmpty(Head))
        ExFreePoolWithTag(ItemFromEntry(RemoveHeadList(Head)), SYSMON_TAG);
}

// Moves every queued record to Detached. The caller holds the lock, or no routine and no reader
// can run any more, and frees the records afterwards.
void DetachAll(PLIST_ENTRY Detached)
{
    InitializeListHead(Detached);
    while (!IsListEmpty(&g_Globals.ItemsHead))
        InsertTailList(Detached, RemoveHeadList(&g_Globals.ItemsHead));
    g_Globals.ItemCount = 0;
    g_Globals.QueuedBytes = 0;
}

// ---- strings ----

// How many characters of Source a record keeps: all of them up to MaxChars, and
// SYSMON_ITEM_FLAG_TRUNCATED in *Flags when there were more. A missing string keeps none.
USHORT KeptChars(PCUNICODE_STRING Source, ULONG MaxChars, USHORT *Flags)
{
    if (Source == nullptr || Source->Buffer == nullptr)
        return 0;
    ULONG chars = Source->Length / sizeof(WCHAR);
    if (chars > MaxChars) {
        chars = MaxChars;
        *Flags |= SYSMON_ITEM_FLAG_TRUNCATED;
    }
    return static_cast<USHORT>(chars);
}

// Copies Chars characters of Source to Destination and NUL-terminates them.
void CopyChars(PWCHAR Destination, PCUNICODE_STRING Source, USHORT Chars)
{
    if (Chars > 0)
        RtlCopyMemory(Destination, Source->Buffer, Chars * sizeof(WCHAR));
    Destination[Chars] = L'\0';
}

PWCHAR RecordChars(ProcessCreateInfo &Info, USHORT Offset)
{
    return reinterpret_cast<PWCHAR>(reinterpret_cast<PUCHAR>(&Info) + Offset);
}

// ---- notify routines ----

// Registered with PsSetCreateProcessNotifyRoutineEx: CreateInfo is set for a creation (on the
// creating thread) and NULL for an exit (on the process's last thread).
void OnProcessNotify(PEPROCESS Process, HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO CreateInfo)
{
    if (CreateInfo == nullptr) {
        auto item = AllocateItem<ProcessExitInfo>(ItemType::ProcessExit, 0);
        if (item == nullptr)
            return;
        item->Data.ProcessId = HandleToULong(ProcessId);
        item->Data.ExitCode = static_cast<ULONG>(PsGetProcessExitStatus(Process));
        PushItem(item);
        return;
    }

    USHORT flags = 0;
    const USHORT commandChars =
        KeptChars(CreateInfo->CommandLine, SYSMON_MAX_COMMAND_LINE_CHARS, &flags);
    const USHORT imageChars =
        KeptChars(CreateInfo->ImageFileName, SYSMON_MAX_IMAGE_NAME_CHARS, &flags);
    const SIZE_T stringBytes = (SIZE_T(commandChars) + 1 + imageChars + 1) * sizeof(WCHAR);
    auto item = AllocateItem<ProcessCreateInfo>(ItemType::ProcessCreate, stringBytes);
    if (item == nullptr)
        return;

    ProcessCreateInfo &info = item->Data;
    info.Header.Flags = flags;
    info.ProcessId = HandleToULong(ProcessId);
    info.ParentProcessId = HandleToULong(CreateInfo->ParentProcessId);
    info.CreatingProcessId = HandleToULong(CreateInfo->CreatingThreadId.UniqueProcess);
    info.CreatingThreadId = HandleToULong(CreateInfo->CreatingThreadId.UniqueThread);

    info.CommandLineLength = commandChars;
    info.CommandLineOffset = sizeof(ProcessCreateInfo);
    CopyChars(RecordChars(info, info.CommandLineOffset), CreateInfo->CommandLine, commandChars);

    info.ImageFileNameLength = imageChars;
    info.ImageFileNameOffset =
        static_cast<USHORT>(info.CommandLineOffset + (commandChars + 1) * sizeof(WCHAR));
    CopyChars(RecordChars(info, info.ImageFileNameOffset), CreateInfo->ImageFileName, imageChars);

    PushItem(item);
}

// Registered with PsSetCreateThreadNotifyRoutine: every thread, system threads included.
void OnThreadNotify(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    auto item = AllocateItem<ThreadInfo>(Create ? ItemType::ThreadCreate : ItemType::ThreadExit, 0);
    if (item == nullptr)
        return;
    item->Data.ProcessId = HandleToULong(ProcessId);
    item->Data.ThreadId = HandleToULong(ThreadId);
    PushItem(item);
}

// Registered with PsSetLoadImageNotifyRoutine. FullImageName may be NULL and is only valid during
// the call: the name is copied.
void OnImageLoadNotify(PUNICODE_STRING FullImageName, HANDLE ProcessId, PIMAGE_INFO ImageInfo)
{
    auto item = AllocateItem<ImageLoadInfo>(ItemType::ImageLoad, 0);
    if (item == nullptr)
        return;
    ImageLoadInfo &info = item->Data;
    info.ProcessId = HandleToULong(ProcessId);
    info.ImageBase = reinterpret_cast<ULONG_PTR>(ImageInfo->ImageBase);
    info.ImageSize = ImageInfo->ImageSize;
    if (ImageInfo->SystemModeImage)
        info.Header.Flags |= SYSMON_ITEM_FLAG_KERNEL_IMAGE;
    const USHORT chars = KeptChars(FullImageName, SYSMON_MAX_IMAGE_NAME_CHARS, &info.Header.Flags);
    info.ImageNameLength = chars;
    CopyChars(info.ImageName, FullImageName, chars);
    PushItem(item);
}

// ---- dispatch routines ----

NTSTATUS CompleteIrp(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

NTSTATUS SysMonCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return CompleteIrp(Irp, STATUS_SUCCESS, 0);
}

// Copies as many whole records as fit, oldest first, and takes them off the list. Nothing queued:
// STATUS_SUCCESS with 0 bytes. A buffer too small for the oldest record: STATUS_BUFFER_TOO_SMALL,
// 0 bytes, and the record stays queued for a larger read.
NTSTATUS SysMonRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    const ULONG length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length;
    PUCHAR buffer = nullptr;
    if (length > 0) {
        // DO_DIRECT_IO: the I/O manager has locked the caller's buffer and described it by an MDL.
        if (Irp->MdlAddress == nullptr)
            return CompleteIrp(Irp, STATUS_INVALID_PARAMETER, 0);
        buffer = static_cast<PUCHAR>(MmGetSystemAddressForMdlSafe(
            Irp->MdlAddress, NormalPagePriority | MdlMappingNoExecute));
        if (buffer == nullptr)
            return CompleteIrp(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
    }

    NTSTATUS status = STATUS_SUCCESS;
    ULONG copied = 0;
    LIST_ENTRY taken;
    InitializeListHead(&taken);
    {
        AutoLock<FastMutex> lock(g_Globals.Lock);
        while (!IsListEmpty(&g_Globals.ItemsHead)) {
            FullItem<ItemHeader> *item = ItemFromEntry(g_Globals.ItemsHead.Flink);
            const ULONG size = item->Data.Size;
            if (size > length - copied) {
                if (copied == 0)
                    status = STATUS_BUFFER_TOO_SMALL;
                break;
            }
            RtlCopyMemory(buffer + copied, &item->Data, size);
            copied += size;
            InsertTailList(&taken, RemoveHeadList(&g_Globals.ItemsHead));
            g_Globals.ItemCount--;
            g_Globals.QueuedBytes -= size;
            g_Globals.Read++;
        }
    }
    FreeEntries(&taken);
    return CompleteIrp(Irp, status, copied);
}

NTSTATUS SysMonDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    const auto &params = IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl;
    switch (params.IoControlCode) {
    case IOCTL_SYSMON_GET_STATS: {
        if (params.OutputBufferLength < sizeof(SysMonStats))
            return CompleteIrp(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        auto stats = static_cast<SysMonStats *>(Irp->AssociatedIrp.SystemBuffer);
        AutoLock<FastMutex> lock(g_Globals.Lock);
        stats->QueuedItems = g_Globals.ItemCount;
        stats->MaxItems = SYSMON_MAX_ITEMS;
        stats->QueuedBytes = g_Globals.QueuedBytes;
        stats->Recorded = g_Globals.Recorded;
        stats->Dropped = g_Globals.Dropped;
        stats->Read = g_Globals.Read;
        stats->AllocationFailures = g_Globals.AllocationFailures;
        return CompleteIrp(Irp, STATUS_SUCCESS, sizeof(SysMonStats));
    }
    case IOCTL_SYSMON_CLEAR: {
        LIST_ENTRY detached;
        {
            AutoLock<FastMutex> lock(g_Globals.Lock);
            DetachAll(&detached);
            g_Globals.Recorded = g_Globals.Dropped = g_Globals.Read = 0;
            g_Globals.AllocationFailures = 0;
        }
        FreeEntries(&detached);
        return CompleteIrp(Irp, STATUS_SUCCESS, 0);
    }
    default:
        return CompleteIrp(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

// ---- load and unload ----

// Undoes what DriverEntry set up, newest first: the routines (each removal waits for calls in
// flight), the name, the device, then the records nobody read.
void SysMonCleanup()
{
    if (g_Globals.ImageNotifySet) {
        PsRemoveLoadImageNotifyRoutine(OnImageLoadNotify);
        g_Globals.ImageNotifySet = false;
    }
    if (g_Globals.ThreadNotifySet) {
        PsRemoveCreateThreadNotifyRoutine(OnThreadNotify);
        g_Globals.ThreadNotifySet = false;
    }
    if (g_Globals.ProcessNotifySet) {
        PsSetCreateProcessNotifyRoutineEx(OnProcessNotify, TRUE);
        g_Globals.ProcessNotifySet = false;
    }
    if (g_Globals.LinkCreated) {
        UNICODE_STRING link = RTL_CONSTANT_STRING(SYSMON_LINK_NAME);
        IoDeleteSymbolicLink(&link);
        g_Globals.LinkCreated = false;
    }
    if (g_Globals.Device != nullptr) {
        IoDeleteDevice(g_Globals.Device);
        g_Globals.Device = nullptr;
    }
    LIST_ENTRY detached;
    DetachAll(&detached); // no routine and no reader is left: no lock needed
    FreeEntries(&detached);
}

void SysMonUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    SysMonCleanup();
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "SysMon: unloaded\n");
}

NTSTATUS Fail(const char *What, NTSTATUS Status)
{
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "SysMon: %s failed (0x%08X)\n", What,
               static_cast<ULONG>(Status));
    SysMonCleanup();
    return Status;
}

} // namespace

extern "C" NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    // The image may be loaded again after an unload: start from a clean state.
    RtlZeroMemory(&g_Globals, sizeof(g_Globals));
    g_Globals.Lock.Init();
    InitializeListHead(&g_Globals.ItemsHead);

    DriverObject->DriverUnload = SysMonUnload;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = SysMonCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = SysMonCreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = SysMonRead;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = SysMonDeviceControl;

    UNICODE_STRING deviceName = RTL_CONSTANT_STRING(SYSMON_DEVICE_NAME);
    NTSTATUS status = IoCreateDevice(DriverObject, 0, &deviceName, FILE_DEVICE_UNKNOWN, 0, FALSE,
                                     &g_Globals.Device);
    if (!NT_SUCCESS(status)) {
        g_Globals.Device = nullptr;
        return Fail("IoCreateDevice", status);
    }
    g_Globals.Device->Flags |= DO_DIRECT_IO;

    UNICODE_STRING linkName = RTL_CONSTANT_STRING(SYSMON_LINK_NAME);
    status = IoCreateSymbolicLink(&linkName, &deviceName);
    if (!NT_SUCCESS(status))
        return Fail("IoCreateSymbolicLink", status);
    g_Globals.LinkCreated = true;

    // Fails with STATUS_ACCESS_DENIED unless the image is linked with /INTEGRITYCHECK.
    status = PsSetCreateProcessNotifyRoutineEx(OnProcessNotify, FALSE);
    if (!NT_SUCCESS(status))
        return Fail("PsSetCreateProcessNotifyRoutineEx", status);
    g_Globals.ProcessNotifySet = true;

    status = PsSetCreateThreadNotifyRoutine(OnThreadNotify);
    if (!NT_SUCCESS(status))
        return Fail("PsSetCreateThreadNotifyRoutine", status);
    g_Globals.ThreadNotifySet = true;

    status = PsSetLoadImageNotifyRoutine(OnImageLoadNotify);
    if (!NT_SUCCESS(status))
        return Fail("PsSetLoadImageNotifyRoutine", status);
    g_Globals.ImageNotifySet = true;

    // Ready for clients. The I/O manager also clears this flag for a device created in
    // DriverEntry once DriverEntry returns; clearing it here keeps that true wherever the device
    // gets created.
    g_Globals.Device->Flags &= ~static_cast<ULONG>(DO_DEVICE_INITIALIZING);

    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "SysMon: started, %wZ, up to %u events\n",
               RegistryPath, static_cast<ULONG>(SYSMON_MAX_ITEMS));
    return STATUS_SUCCESS;
}
