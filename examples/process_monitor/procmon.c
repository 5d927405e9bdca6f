/* procmon.c: a small process monitor driver. It logs process, thread and image notifications
 * into a pool-allocated queue and refuses to start images named blocked.exe.
 *
 * Written only against the WDK (ntddk.h): the same file builds with the real WDK unchanged.
 * Rule IDs in comments (PROC-NOTIFY-7, ...) refer to docs/ps-semantics.md of pssim, which
 * restates what Windows does. */
#include <ntddk.h>

#include "procmon.h"

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD ProcmonUnload;

typedef struct _PROCMON_ENTRY {
    LIST_ENTRY Link;
    PROCMON_EVENT Event;
} PROCMON_ENTRY, *PPROCMON_ENTRY;

/* ---- driver state ----
 * Concurrency: the three routines run at the same time on several processors
 * (PROC-NOTIFY-3: different processes are created concurrently), and a client drain can run
 * beside them. The queue and its counters are guarded by g_QueueLock, a FAST_MUTEX every routine
 * can take at its IRQL (<= APC_LEVEL); the sequence number is an interlocked counter. pssim's
 * race detector (GUIDE-9) checks this: the test suite runs once more with the driver built with
 * the race instrumentation. */
static FAST_MUTEX g_QueueLock;         /* guards the queue and the two counts below */
static LIST_ENTRY g_EventQueue;        /* PROCMON_ENTRY.Link, oldest first */
static ULONG g_QueuedCount;            /* entries on g_EventQueue */
static ULONG g_DroppedCount;           /* events not queued: queue full or no pool */
static LONG g_Sequence;                /* last sequence number handed out */
static BOOLEAN g_Started;              /* between a successful DriverEntry and unload; set under
                                          g_QueueLock once clients can drain */
static UNICODE_STRING g_BlockedSuffix; /* images whose name ends in this may not start */

/* Which registrations DriverEntry has made, so that a failure can undo exactly those. */
static BOOLEAN g_ProcessRoutineSet, g_ThreadRoutineSet, g_ImageRoutineSet;

/* Copies a counted string into a fixed WCHAR array, NUL-terminated, and returns the bytes
 * copied (NUL excluded). Lengths are in bytes and a character is sizeof(WCHAR) bytes: 2 on
 * Windows, but 4 where wchar_t is 4 bytes (pssim on Linux), so never divide by 2.
 * With NulToSpace, embedded NULs (a WSL command line separates its arguments with NUL,
 * PROC-NOTIFY-15) become spaces, and NULs at the end (argument terminators) are dropped. */
static USHORT ProcmonCopyString(_Out_ PWCHAR Destination, _In_ ULONG DestinationChars,
                                _In_opt_ PCUNICODE_STRING Source, _In_ BOOLEAN NulToSpace,
                                _Out_ PBOOLEAN Truncated)
{
    ULONG sourceChars;
    ULONG count;
    ULONG i;

    *Truncated = FALSE;
    if (DestinationChars == 0)
        return 0;
    Destination[0] = L'\0';
    if (Source == NULL || Source->Buffer == NULL)
        return 0;

    sourceChars = Source->Length / sizeof(WCHAR); /* an odd trailing byte is not a character */
    if (NulToSpace) {
        while (sourceChars > 0 && Source->Buffer[sourceChars - 1] == L'\0')
            sourceChars--;
    }
    count = sourceChars;
    if (count > DestinationChars - 1) {
        count = DestinationChars - 1;
        *Truncated = TRUE;
    }
    for (i = 0; i < count; i++) {
        WCHAR c = Source->Buffer[i];
        Destination[i] = (NulToSpace && c == L'\0') ? L' ' : c;
    }
    Destination[count] = L'\0';
    return (USHORT)(count * sizeof(WCHAR));
}

/* Fills the fields every event has. */
static VOID ProcmonInitEvent(_Out_ PPROCMON_EVENT Event, _In_ PROCMON_EVENT_TYPE Type)
{
    Event->Type = Type;
    KeQuerySystemTimePrecise(&Event->Timestamp);
    Event->CurrentProcessId = HandleToULong(PsGetCurrentProcessId());
    Event->CurrentThreadId = HandleToULong(PsGetCurrentThreadId());
}

/* Allocates a zeroed queue entry; NULL (and one more dropped event) when the queue is full or
 * pool is short. The routines run at PASSIVE_LEVEL or APC_LEVEL (PROC-NOTIFY-4, THREAD-NOTIFY-3,
 * IMAGE-NOTIFY-6), where paged pool is allowed. */
static PPROCMON_ENTRY ProcmonAllocateEntry(VOID)
{
    PPROCMON_ENTRY entry = NULL;
    BOOLEAN full;

    ExAcquireFastMutex(&g_QueueLock);
    full = g_QueuedCount >= PROCMON_MAX_QUEUED_EVENTS;
    ExReleaseFastMutex(&g_QueueLock);
    if (!full)
        entry = (PPROCMON_ENTRY)ExAllocatePool2(POOL_FLAG_PAGED, sizeof(PROCMON_ENTRY),
                                                PROCMON_POOL_TAG);
    if (entry == NULL) {
        InterlockedIncrement(&g_Sequence); /* the gap in the numbering shows the loss */
        ExAcquireFastMutex(&g_QueueLock);
        g_DroppedCount++;
        ExReleaseFastMutex(&g_QueueLock);
    }
    return entry; /* ExAllocatePool2 zeroes the block */
}

/* Numbers the event and appends it to the queue. */
static VOID ProcmonQueueEntry(_Inout_ PPROCMON_ENTRY Entry)
{
    Entry->Event.Sequence = (ULONG)InterlockedIncrement(&g_Sequence);
    ExAcquireFastMutex(&g_QueueLock);
    InsertTailList(&g_EventQueue, &Entry->Link);
    g_QueuedCount++;
    ExReleaseFastMutex(&g_QueueLock);
}

/* PROC-NOTIFY-14: registered through Ex2, so WSL (pico) processes reach it as well as Win32
 * ones. CreateInfo != NULL: creation, on the creating thread (PROC-NOTIFY-2); NULL: exit, on the
 * process's last thread (PROC-NOTIFY-10), possibly for a process whose creation this driver
 * never saw (PROC-REG-13, PROC-NOTIFY-11), so nothing here depends on an earlier create. */
static VOID OnProcess(_Inout_ PEPROCESS Process, _In_ HANDLE ProcessId,
                      _Inout_opt_ PPS_CREATE_NOTIFY_INFO CreateInfo)
{
    PPROCMON_ENTRY entry;
    PPROCMON_EVENT ev;
    BOOLEAN truncated;
    BOOLEAN deny = FALSE;

    if (CreateInfo != NULL && CreateInfo->ImageFileName != NULL &&
        CreateInfo->ImageFileName->Buffer != NULL &&
        RtlSuffixUnicodeString(&g_BlockedSuffix, CreateInfo->ImageFileName, TRUE)) {
        /* PROC-NOTIFY-7: an error status in CreationStatus stops the creation; the creator's
         * call fails with it. Decided before logging, so a full queue cannot let it through. */
        CreateInfo->CreationStatus = STATUS_ACCESS_DENIED;
        deny = TRUE;
        DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_WARNING_LEVEL, "procmon: denied process %lu: %wZ\n",
                   HandleToULong(ProcessId), CreateInfo->ImageFileName);
    }

    entry = ProcmonAllocateEntry();
    if (entry == NULL)
        return;
    ev = &entry->Event;
    ev->ProcessId = HandleToULong(ProcessId);

    if (CreateInfo == NULL) {
        ProcmonInitEvent(ev, ProcmonProcessExit);
        ev->Status = PsGetProcessExitStatus(Process);
        ProcmonQueueEntry(entry);
        return;
    }

    ProcmonInitEvent(ev, ProcmonProcessCreate);
    ev->ParentProcessId = HandleToULong(CreateInfo->ParentProcessId);
    ev->CreatingThreadId = CreateInfo->CreatingThreadId;
    ev->Status = CreateInfo->CreationStatus;
    if (deny)
        ev->Flags |= PROCMON_FLAG_DENIED;
    /* PROC-NOTIFY-15: for a subsystem process FileObject, ImageFileName and CommandLine may
     * each be NULL; the copies below accept NULL, and FileObject is not used. */
    if (CreateInfo->IsSubsystemProcess)
        ev->Flags |= PROCMON_FLAG_SUBSYSTEM_PROCESS;
    if (CreateInfo->FileOpenNameAvailable)
        ev->Flags |= PROCMON_FLAG_FILE_OPEN_NAME;

    if (CreateInfo->ImageFileName == NULL)
        ev->Flags |= PROCMON_FLAG_NO_IMAGE_NAME;
    ev->ImageNameLength = ProcmonCopyString(ev->ImageName, PROCMON_MAX_NAME_CHARS,
                                            CreateInfo->ImageFileName, FALSE, &truncated);
    if (truncated)
        ev->Flags |= PROCMON_FLAG_NAME_TRUNCATED;

    if (CreateInfo->CommandLine == NULL)
        ev->Flags |= PROCMON_FLAG_NO_COMMAND_LINE;
    ev->CommandLineLength = ProcmonCopyString(ev->CommandLine, PROCMON_MAX_COMMAND_LINE_CHARS,
                                              CreateInfo->CommandLine, TRUE, &truncated);
    if (truncated)
        ev->Flags |= PROCMON_FLAG_COMMAND_LINE_TRUNCATED;

    ProcmonQueueEntry(entry);
}

/* Registered as PsCreateThreadNotifyNonSystem: a creation is reported on the new thread itself
 * as it starts (THREAD-NOTIFY-5), an exit on the exiting thread (THREAD-NOTIFY-2). Threads of
 * WSL processes never arrive here (THREAD-NOTIFY-7). */
static VOID OnThread(_In_ HANDLE ProcessId, _In_ HANDLE ThreadId, _In_ BOOLEAN Create)
{
    PPROCMON_ENTRY entry = ProcmonAllocateEntry();

    if (entry == NULL)
        return;
    ProcmonInitEvent(&entry->Event, Create ? ProcmonThreadCreate : ProcmonThreadExit);
    entry->Event.ProcessId = HandleToULong(ProcessId);
    entry->Event.ThreadId = HandleToULong(ThreadId);
    ProcmonQueueEntry(entry);
}

/* IMAGE-NOTIFY-1..5: once per mapped image; ProcessId 0 for a driver image. FullImageName may
 * be NULL (IMAGE-NOTIFY-7) and is valid only during the call, hence the copy. */
static VOID OnImage(_In_opt_ PUNICODE_STRING FullImageName, _In_ HANDLE ProcessId,
                    _In_ PIMAGE_INFO ImageInfo)
{
    PPROCMON_ENTRY entry = ProcmonAllocateEntry();
    PPROCMON_EVENT ev;
    BOOLEAN truncated;

    if (entry == NULL)
        return;
    ev = &entry->Event;
    ProcmonInitEvent(ev, ProcmonImageLoad);
    ev->ProcessId = HandleToULong(ProcessId);
    ev->ImageBase = (ULONG64)(ULONG_PTR)ImageInfo->ImageBase;
    ev->ImageSize = (ULONG64)ImageInfo->ImageSize;
    if (ImageInfo->SystemModeImage)
        ev->Flags |= PROCMON_FLAG_KERNEL_IMAGE;
    if (FullImageName == NULL)
        ev->Flags |= PROCMON_FLAG_NO_IMAGE_NAME;
    ev->ImageNameLength =
        ProcmonCopyString(ev->ImageName, PROCMON_MAX_NAME_CHARS, FullImageName, FALSE, &truncated);
    if (truncated)
        ev->Flags |= PROCMON_FLAG_NAME_TRUNCATED;
    ProcmonQueueEntry(entry);
}

/* Frees every queued event. Call only when no routine can run any more. */
static VOID ProcmonFreeQueue(VOID)
{
    ExAcquireFastMutex(&g_QueueLock);
    while (!IsListEmpty(&g_EventQueue)) {
        PLIST_ENTRY link = RemoveHeadList(&g_EventQueue);
        ExFreePoolWithTag(CONTAINING_RECORD(link, PROCMON_ENTRY, Link), PROCMON_POOL_TAG);
    }
    g_QueuedCount = 0;
    ExReleaseFastMutex(&g_QueueLock);
}

/* Removes the registrations DriverEntry made, newest first. Each removal waits until no call
 * of that routine is in flight (PROC-REG-9, THREAD-REG-6, IMAGE-REG-6). */
static VOID ProcmonRemoveRoutines(VOID)
{
    if (g_ImageRoutineSet) {
        PsRemoveLoadImageNotifyRoutine(OnImage);
        g_ImageRoutineSet = FALSE;
    }
    if (g_ThreadRoutineSet) {
        PsRemoveCreateThreadNotifyRoutine(OnThread);
        g_ThreadRoutineSet = FALSE;
    }
    if (g_ProcessRoutineSet) {
        PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, (PVOID)OnProcess, TRUE);
        g_ProcessRoutineSet = FALSE;
    }
}

/* PROC-REG-12, THREAD-REG-7, IMAGE-REG-6: every routine must be removed before the driver's
 * code goes away; the next event would otherwise call into unloaded code (bug check 0xCE). */
static VOID ProcmonUnload(_In_ PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);

    ProcmonRemoveRoutines();
    ExAcquireFastMutex(&g_QueueLock); /* a client may be draining */
    g_Started = FALSE;
    ExReleaseFastMutex(&g_QueueLock);
    ProcmonFreeQueue(); /* safe: no routine can be running or start any more */
}

NTSTATUS DriverEntry(_In_ PDRIVER_OBJECT DriverObject, _In_ PUNICODE_STRING RegistryPath)
{
    NTSTATUS status;

    UNREFERENCED_PARAMETER(RegistryPath);

    /* A driver image can be loaded again after an unload: start from a clean state. */
    ExInitializeFastMutex(&g_QueueLock);
    InitializeListHead(&g_EventQueue);
    g_QueuedCount = 0;
    g_DroppedCount = 0;
    g_Sequence = 0;
    g_ProcessRoutineSet = g_ThreadRoutineSet = g_ImageRoutineSet = FALSE;

    /* The policy: a product would read its list from the service key (RegistryPath). */
    RtlInitUnicodeString(&g_BlockedSuffix, L"\\blocked.exe");

    /* Ex2 (PROC-NOTIFY-14) so that WSL processes are seen too. Fails with
     * STATUS_ACCESS_DENIED unless the image was linked with /INTEGRITYCHECK (PROC-REG-5). */
    status = PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, (PVOID)OnProcess,
                                                FALSE);
    if (!NT_SUCCESS(status))
        goto Failed;
    g_ProcessRoutineSet = TRUE;

    status = PsSetCreateThreadNotifyRoutineEx(PsCreateThreadNotifyNonSystem, (PVOID)OnThread);
    if (!NT_SUCCESS(status))
        goto Failed;
    g_ThreadRoutineSet = TRUE;

    status = PsSetLoadImageNotifyRoutine(OnImage);
    if (!NT_SUCCESS(status))
        goto Failed;
    g_ImageRoutineSet = TRUE;

    DriverObject->DriverUnload = ProcmonUnload;
    g_Started = TRUE;
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "procmon: started\n");
    return STATUS_SUCCESS;

Failed:
    /* A failing DriverEntry is not unloaded through DriverUnload: undo what succeeded, and
     * free what the routines may already have queued. */
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "procmon: registration failed: 0x%08X\n",
               (ULONG)status);
    ProcmonRemoveRoutines();
    ProcmonFreeQueue();
    return status;
}

/* Stand-in for the IOCTL a user-mode client would send (see procmon.h). */
NTSTATUS ProcmonDrainEvents(_Out_ PPROCMON_EVENT Buffer, _In_ ULONG Capacity, _Out_ PULONG Returned)
{
    ULONG n = 0;

    if (Returned == NULL || (Buffer == NULL && Capacity != 0))
        return STATUS_INVALID_PARAMETER;
    *Returned = 0;
    ExAcquireFastMutex(&g_QueueLock);
    while (g_Started && n < Capacity && !IsListEmpty(&g_EventQueue)) {
        PPROCMON_ENTRY entry =
            CONTAINING_RECORD(RemoveHeadList(&g_EventQueue), PROCMON_ENTRY, Link);
        g_QueuedCount--;
        Buffer[n++] = entry->Event;
        ExFreePoolWithTag(entry, PROCMON_POOL_TAG);
    }
    ExReleaseFastMutex(&g_QueueLock);
    *Returned = n;
    return STATUS_SUCCESS;
}

NTSTATUS ProcmonQueryStatistics(_Out_ PPROCMON_STATISTICS Statistics)
{
    if (Statistics == NULL)
        return STATUS_INVALID_PARAMETER;
    ExAcquireFastMutex(&g_QueueLock);
    Statistics->Recorded = (ULONG)InterlockedCompareExchange(&g_Sequence, 0, 0) - g_DroppedCount;
    Statistics->Dropped = g_DroppedCount;
    Statistics->Queued = g_QueuedCount;
    ExReleaseFastMutex(&g_QueueLock);
    return STATUS_SUCCESS;
}
