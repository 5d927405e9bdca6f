// sysmon_common.h: what the SysMon driver and its user-mode clients share: the device names, the
// control codes, and the records a read returns.
//
// Include it after <ntddk.h> (the driver) or after <windows.h> and <winioctl.h> (a client): it
// uses their ULONG, USHORT, ULONG64, WCHAR, LARGE_INTEGER and CTL_CODE and includes nothing.
//
// Strings are counted in characters of sizeof(WCHAR) bytes. That is 2 bytes on Windows; a client
// never hard-codes it, so the same code also reads the records of a build where WCHAR is wider.
#pragma once

#define SYSMON_DEVICE_NAME L"\\Device\\SysMon"
#define SYSMON_LINK_NAME L"\\??\\SysMon"
#define SYSMON_WIN32_NAME "\\\\.\\SysMon" // what a client passes to CreateFile

// At most this many events wait in the driver. When one more arrives, the oldest is discarded
// and counted in SysMonStats::Dropped.
#define SYSMON_MAX_ITEMS 1024

// Longest strings kept, in characters (the rest is cut and the record flagged
// SYSMON_ITEM_FLAG_TRUNCATED). Kept strings are NUL-terminated in the record.
#define SYSMON_MAX_COMMAND_LINE_CHARS 1024
#define SYSMON_MAX_IMAGE_NAME_CHARS 260

// Device types and function codes of third-party drivers start at 0x8000 and 0x800. Unsigned:
// CTL_CODE shifts the type left by 16, and 0x8000 << 16 does not fit an int (a control code
// used as a `case` label would then be a narrowing conversion, an error in C++11 and later).
#define SYSMON_DEVICE_TYPE 0x8000u

// Output: one SysMonStats (METHOD_BUFFERED). A smaller output buffer: STATUS_BUFFER_TOO_SMALL.
#define IOCTL_SYSMON_GET_STATS                                                                     \
    CTL_CODE(SYSMON_DEVICE_TYPE, 0x800, METHOD_BUFFERED, FILE_READ_ACCESS)
// No buffers: discards the queued events and sets every counter of SysMonStats back to zero.
#define IOCTL_SYSMON_CLEAR CTL_CODE(SYSMON_DEVICE_TYPE, 0x801, METHOD_BUFFERED, FILE_WRITE_ACCESS)

enum class ItemType : USHORT {
    None = 0,
    ProcessCreate = 1,
    ProcessExit = 2,
    ThreadCreate = 3,
    ThreadExit = 4,
    ImageLoad = 5,
};

#define SYSMON_ITEM_FLAG_TRUNCATED 0x0001    // a string of the record was cut
#define SYSMON_ITEM_FLAG_KERNEL_IMAGE 0x0002 // ImageLoad: a driver image (ProcessId 0)

// Every record starts with this header. A read (ReadFile) returns whole records back to back,
// oldest first; each one is Size bytes long, a multiple of 8, so every record is 8-byte aligned
// when the buffer is.
struct ItemHeader {
    ItemType Type;
    USHORT Flags;       // SYSMON_ITEM_FLAG_*
    ULONG Size;         // bytes of the whole record, strings and padding included
    LARGE_INTEGER Time; // system time of the event: 100 ns units since 1601-01-01 UTC
};

// ItemType::ProcessCreate. The two strings follow the fixed part, inside Size.
struct ProcessCreateInfo {
    ItemHeader Header;
    ULONG ProcessId;
    ULONG ParentProcessId;
    ULONG CreatingProcessId; // who asked for the process (may differ from the parent)
    ULONG CreatingThreadId;
    USHORT CommandLineLength;   // characters, NUL excluded; 0 when the process has none
    USHORT CommandLineOffset;   // bytes from the start of the record
    USHORT ImageFileNameLength; // characters, NUL excluded
    USHORT ImageFileNameOffset; // bytes from the start of the record
};

// ItemType::ProcessExit.
struct ProcessExitInfo {
    ItemHeader Header;
    ULONG ProcessId;
    ULONG ExitCode; // the process's exit status
};

// ItemType::ThreadCreate and ItemType::ThreadExit.
struct ThreadInfo {
    ItemHeader Header;
    ULONG ProcessId;
    ULONG ThreadId;
};

// ItemType::ImageLoad: an image mapped into a process, or a driver loaded (ProcessId 0).
struct ImageLoadInfo {
    ItemHeader Header;
    ULONG ProcessId;
    ULONG ImageNameLength; // characters, NUL excluded
    ULONG64 ImageBase;
    ULONG64 ImageSize;
    WCHAR ImageName[SYSMON_MAX_IMAGE_NAME_CHARS + 1];
};

// IOCTL_SYSMON_GET_STATS. The counters run from the driver's start or the last
// IOCTL_SYSMON_CLEAR.
struct SysMonStats {
    ULONG QueuedItems;          // events waiting to be read
    ULONG MaxItems;             // SYSMON_MAX_ITEMS
    ULONG64 QueuedBytes;        // what a read would need to take them all
    ULONG64 Recorded;           // events queued
    ULONG64 Dropped;            // events discarded unread to make room for newer ones
    ULONG64 Read;               // events handed to readers
    ULONG64 AllocationFailures; // events lost for want of pool
};
