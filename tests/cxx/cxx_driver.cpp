// cxx_driver.cpp: a small process-tracking driver written in C++17 the way Windows driver
// projects write it (a class holding the state, a RAII lock helper, pool-allocated objects,
// extern "C" DriverEntry). It includes <ntddk.h> only and must compile unchanged against
// pssim's WDK headers; cxx_driver_test.cpp loads it into a simulated machine.
//
// What it does: tracks every live process in a list (an Ex process routine), denies images
// named "blocked.exe", counts thread creations and exits (an Ex NonSystem thread routine), and
// says what it sees with DbgPrint.
#include <ntddk.h>

#define CXXDRV_TAG 'vdXC'
#define CXXDRV_PREFIX "CxxDrv: "

// ---- pool-backed operator new, as kernel C++ projects define it ----
// noexcept: a NULL result is checked by the new-expression instead of being constructed into.
void *operator new(size_t Size, POOL_FLAGS Flags, ULONG Tag) noexcept
{
    return ExAllocatePool2(Flags, Size, Tag);
}

// Matching placement delete: only called if a constructor throws, which never happens here.
void operator delete(void *Pointer, POOL_FLAGS Flags, ULONG Tag) noexcept
{
    UNREFERENCED_PARAMETER(Flags);
    ExFreePoolWithTag(Pointer, Tag);
}

template <typename T> void PoolDelete(T *Object, ULONG Tag)
{
    if (Object != nullptr) {
        Object->~T();
        ExFreePoolWithTag(Object, Tag);
    }
}

namespace {

// A spin-free guard over an interlocked flag (FAST_MUTEX is not available yet). Notify routines
// run one at a time in the simulator, so a failed acquisition can only mean re-entrance: it is
// counted, never spun on.
class InterlockedGuard {
public:
    void Init()
    {
        m_Flag = 0;
        m_Contended = 0;
    }
    void Lock()
    {
        if (InterlockedCompareExchange(&m_Flag, 1, 0) != 0)
            InterlockedIncrement(&m_Contended);
    }
    void Unlock() { InterlockedExchange(&m_Flag, 0); }
    LONG Contended() const { return m_Contended; }

private:
    volatile LONG m_Flag;
    volatile LONG m_Contended;
};

template <typename TLock> class AutoLock {
public:
    explicit AutoLock(TLock &Lock) : m_Lock(Lock) { m_Lock.Lock(); }
    ~AutoLock() { m_Lock.Unlock(); }
    AutoLock(const AutoLock &) = delete;
    AutoLock &operator=(const AutoLock &) = delete;

private:
    TLock &m_Lock;
};

struct ProcessEntry {
    LIST_ENTRY Link;
    HANDLE ProcessId;
    HANDLE ParentId;
};

class ProcessTracker {
public:
    ProcessTracker() : m_ProcessCreates(0), m_ProcessExits(0), m_ThreadCreates(0), m_ThreadExits(0),
                       m_Denied(0), m_Count(0)
    {
        InitializeListHead(&m_Head);
        m_Lock.Init();
    }

    ~ProcessTracker()
    {
        AutoLock<InterlockedGuard> lock(m_Lock);
        while (!IsListEmpty(&m_Head)) {
            PLIST_ENTRY link = RemoveHeadList(&m_Head);
            ExFreePoolWithTag(CONTAINING_RECORD(link, ProcessEntry, Link), CXXDRV_TAG);
        }
        m_Count = 0;
    }

    ProcessTracker(const ProcessTracker &) = delete;
    ProcessTracker &operator=(const ProcessTracker &) = delete;

    void OnProcess(PEPROCESS Process, HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO CreateInfo)
    {
        UNREFERENCED_PARAMETER(Process);
        if (CreateInfo != nullptr)
            OnCreate(ProcessId, CreateInfo);
        else
            OnExit(ProcessId);
    }

    void OnThread(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
    {
        UNREFERENCED_PARAMETER(ProcessId);
        UNREFERENCED_PARAMETER(ThreadId);
        InterlockedIncrement(Create ? &m_ThreadCreates : &m_ThreadExits);
    }

    bool IsTracking(HANDLE ProcessId)
    {
        AutoLock<InterlockedGuard> lock(m_Lock);
        return Find(ProcessId) != nullptr;
    }

    LONG ProcessCreates() const { return m_ProcessCreates; }
    LONG ProcessExits() const { return m_ProcessExits; }
    LONG ThreadCreates() const { return m_ThreadCreates; }
    LONG ThreadExits() const { return m_ThreadExits; }
    LONG Denied() const { return m_Denied; }
    LONG Count() const { return m_Count; }
    LONG Contended() const { return m_Lock.Contended(); }

private:
    void OnCreate(HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO CreateInfo)
    {
        InterlockedIncrement(&m_ProcessCreates);
        static const UNICODE_STRING blocked = RTL_CONSTANT_STRING(L"\\blocked.exe");
        if (CreateInfo->ImageFileName != nullptr) {
            DbgPrint(CXXDRV_PREFIX "create %lu (parent %lu) %wZ\n", HandleToULong(ProcessId),
                     HandleToULong(CreateInfo->ParentProcessId), CreateInfo->ImageFileName);
            if (RtlSuffixUnicodeString(&blocked, CreateInfo->ImageFileName, TRUE)) {
                CreateInfo->CreationStatus = STATUS_ACCESS_DENIED;
                InterlockedIncrement(&m_Denied);
                return;
            }
        }
        auto entry = static_cast<ProcessEntry *>(
            ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(ProcessEntry), CXXDRV_TAG));
        if (entry == nullptr)
            return;
        entry->ProcessId = ProcessId;
        entry->ParentId = CreateInfo->ParentProcessId;
        AutoLock<InterlockedGuard> lock(m_Lock);
        InsertTailList(&m_Head, &entry->Link);
        m_Count++;
    }

    void OnExit(HANDLE ProcessId)
    {
        InterlockedIncrement(&m_ProcessExits);
        ProcessEntry *entry;
        {
            AutoLock<InterlockedGuard> lock(m_Lock);
            entry = Find(ProcessId);
            if (entry == nullptr)
                return; // a denied create: never tracked
            RemoveEntryList(&entry->Link);
            m_Count--;
        }
        DbgPrint(CXXDRV_PREFIX "exit %lu\n", HandleToULong(ProcessId));
        ExFreePoolWithTag(entry, CXXDRV_TAG);
    }

    ProcessEntry *Find(HANDLE ProcessId)
    {
        for (PLIST_ENTRY link = m_Head.Flink; link != &m_Head; link = link->Flink) {
            ProcessEntry *entry = CONTAINING_RECORD(link, ProcessEntry, Link);
            if (entry->ProcessId == ProcessId)
                return entry;
        }
        return nullptr;
    }

    LIST_ENTRY m_Head;
    InterlockedGuard m_Lock;
    volatile LONG m_ProcessCreates;
    volatile LONG m_ProcessExits;
    volatile LONG m_ThreadCreates;
    volatile LONG m_ThreadExits;
    volatile LONG m_Denied;
    LONG m_Count;
};

C_ASSERT(FIELD_OFFSET(ProcessEntry, Link) == 0);
C_ASSERT(sizeof(ProcessEntry) == sizeof(LIST_ENTRY) + 2 * sizeof(HANDLE));

ProcessTracker *g_Tracker;

VOID OnProcessNotify(PEPROCESS Process, HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO CreateInfo)
{
    g_Tracker->OnProcess(Process, ProcessId, CreateInfo);
}

VOID OnThreadNotify(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    g_Tracker->OnThread(ProcessId, ThreadId, Create);
}

} // namespace

extern "C" DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD CxxDrvUnload;

VOID CxxDrvUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PsRemoveCreateThreadNotifyRoutine(OnThreadNotify);
    PsSetCreateProcessNotifyRoutineEx(OnProcessNotify, TRUE);
    PoolDelete(g_Tracker, CXXDRV_TAG);
    g_Tracker = nullptr;
    DbgPrint(CXXDRV_PREFIX "unloaded\n");
}

extern "C" NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DbgPrint(CXXDRV_PREFIX "DriverEntry %wZ\n", RegistryPath);
    g_Tracker = new (POOL_FLAG_NON_PAGED, CXXDRV_TAG) ProcessTracker();
    if (g_Tracker == nullptr)
        return STATUS_INSUFFICIENT_RESOURCES;

    NTSTATUS status = PsSetCreateProcessNotifyRoutineEx(OnProcessNotify, FALSE);
    if (!NT_SUCCESS(status)) {
        DbgPrint(CXXDRV_PREFIX "PsSetCreateProcessNotifyRoutineEx failed 0x%08X\n", status);
        PoolDelete(g_Tracker, CXXDRV_TAG);
        g_Tracker = nullptr;
        return status;
    }
    status = PsSetCreateThreadNotifyRoutineEx(PsCreateThreadNotifyNonSystem, (PVOID)OnThreadNotify);
    if (!NT_SUCCESS(status)) {
        DbgPrint(CXXDRV_PREFIX "PsSetCreateThreadNotifyRoutineEx failed 0x%08X\n", status);
        PsSetCreateProcessNotifyRoutineEx(OnProcessNotify, TRUE);
        PoolDelete(g_Tracker, CXXDRV_TAG);
        g_Tracker = nullptr;
        return status;
    }
    DriverObject->DriverUnload = CxxDrvUnload;
    return STATUS_SUCCESS;
}

// ---- what the test reads (a real driver would answer an IOCTL instead) ----
extern "C" LONG CxxDrvProcessCreates(void) { return g_Tracker ? g_Tracker->ProcessCreates() : -1; }
extern "C" LONG CxxDrvProcessExits(void) { return g_Tracker ? g_Tracker->ProcessExits() : -1; }
extern "C" LONG CxxDrvThreadCreates(void) { return g_Tracker ? g_Tracker->ThreadCreates() : -1; }
extern "C" LONG CxxDrvThreadExits(void) { return g_Tracker ? g_Tracker->ThreadExits() : -1; }
extern "C" LONG CxxDrvDenied(void) { return g_Tracker ? g_Tracker->Denied() : -1; }
extern "C" LONG CxxDrvTrackedCount(void) { return g_Tracker ? g_Tracker->Count() : -1; }
extern "C" LONG CxxDrvContended(void) { return g_Tracker ? g_Tracker->Contended() : -1; }
extern "C" BOOLEAN CxxDrvIsTracking(HANDLE ProcessId)
{
    return g_Tracker != nullptr && g_Tracker->IsTracking(ProcessId);
}
extern "C" BOOLEAN CxxDrvIsLoaded(void) { return g_Tracker != nullptr; }
