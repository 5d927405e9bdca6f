// sysmon.h: the SysMon driver's own declarations: its lock helpers, the queued-record template
// and its global state. Kernel code only; clients use sysmon_common.h.
#pragma once

#include <ntddk.h>

#include "sysmon_common.h"

// Pool tag of every allocation the driver makes (a pool dump shows "SysM").
#define SYSMON_TAG 'MsyS'

// A FAST_MUTEX as an object. Acquiring raises the IRQL to APC_LEVEL until the release, so the
// code it guards must not wait on anything that needs APCs.
class FastMutex
{
  public:
    void Init()
    {
        ExInitializeFastMutex(&m_Mutex);
    }
    void Lock()
    {
        ExAcquireFastMutex(&m_Mutex);
    }
    void Unlock()
    {
        ExReleaseFastMutex(&m_Mutex);
    }

  private:
    FAST_MUTEX m_Mutex;
};

// Holds a lock for the life of a scope. TLock needs Lock() and Unlock().
template <typename TLock> class AutoLock
{
  public:
    explicit AutoLock(TLock &Lock) : m_Lock(Lock)
    {
        m_Lock.Lock();
    }
    ~AutoLock()
    {
        m_Lock.Unlock();
    }

    AutoLock(const AutoLock &) = delete;
    AutoLock &operator=(const AutoLock &) = delete;

  private:
    TLock &m_Lock;
};

// One queued event: the list link, then the record exactly as a reader receives it (Data starts
// with an ItemHeader; Data.Header.Size bytes from &Data are copied out). The allocation may run
// past sizeof(FullItem<T>) when the record carries strings.
template <typename T> struct FullItem {
    LIST_ENTRY Entry;
    T Data;
};

// The driver's state, one instance.
struct SysMonGlobals {
    FastMutex Lock;       // guards everything below it
    LIST_ENTRY ItemsHead; // FullItem<...>::Entry, oldest first
    ULONG ItemCount;
    ULONG64 QueuedBytes;
    ULONG64 Recorded;
    ULONG64 Dropped;
    ULONG64 Read;
    ULONG64 AllocationFailures;

    // What DriverEntry set up, so that a failure or DriverUnload undoes exactly that.
    PDEVICE_OBJECT Device;
    bool LinkCreated;
    bool ProcessNotifySet;
    bool ThreadNotifySet;
    bool ImageNotifySet;
};
