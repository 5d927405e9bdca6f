/* procmon.h: the process monitor driver's event record and the entry points its clients use. */
#ifndef PROCMON_H
#define PROCMON_H

#include <ntddk.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Pool tag of every allocation the driver makes; a pool dump shows it as "Pmon". */
#define PROCMON_POOL_TAG 'nomP'

/* At most this many events wait in the driver; later ones are counted as dropped until a
 * client drains the queue. */
#define PROCMON_MAX_QUEUED_EVENTS 512

/* Characters kept of an image name or command line, terminating NUL included. Longer text is
 * cut and the event carries PROCMON_FLAG_*_TRUNCATED. */
#define PROCMON_MAX_NAME_CHARS 160
#define PROCMON_MAX_COMMAND_LINE_CHARS 160

typedef enum _PROCMON_EVENT_TYPE {
    ProcmonProcessCreate = 1,
    ProcmonProcessExit = 2,
    ProcmonThreadCreate = 3,
    ProcmonThreadExit = 4,
    ProcmonImageLoad = 5
} PROCMON_EVENT_TYPE;

/* PROCMON_EVENT.Flags */
#define PROCMON_FLAG_SUBSYSTEM_PROCESS 0x0001 /* CreateInfo->IsSubsystemProcess (WSL, pico) */
#define PROCMON_FLAG_DENIED 0x0002            /* the driver denied this process creation */
#define PROCMON_FLAG_FILE_OPEN_NAME 0x0004    /* CreateInfo->FileOpenNameAvailable */
#define PROCMON_FLAG_NO_IMAGE_NAME 0x0008     /* process create, image load: name was NULL */
#define PROCMON_FLAG_NO_COMMAND_LINE 0x0010   /* process create: CommandLine was NULL */
#define PROCMON_FLAG_NAME_TRUNCATED 0x0020
#define PROCMON_FLAG_COMMAND_LINE_TRUNCATED 0x0040
#define PROCMON_FLAG_KERNEL_IMAGE 0x0080 /* ImageInfo->SystemModeImage: a driver image */

/* One notification as the driver saw it. Fixed size and no pointers, so that a future IOCTL can
 * copy an array of them to a user-mode buffer. IDs are stored as ULONG: Windows process and
 * thread IDs always fit in 32 bits (HandleToULong / ULongToHandle convert). Fields that do not
 * apply to an event type are zero. */
typedef struct _PROCMON_EVENT {
    ULONG Sequence; /* 1, 2, 3, ... in the order the routines ran; a gap = dropped */
    PROCMON_EVENT_TYPE Type;
    LARGE_INTEGER Timestamp;    /* KeQuerySystemTimePrecise: 100 ns units since 1601-01-01 UTC */
    ULONG ProcessId;            /* the process the event is about (0 for a driver image) */
    ULONG ThreadId;             /* thread events: the thread the event is about */
    ULONG ParentProcessId;      /* process create: CreateInfo->ParentProcessId */
    CLIENT_ID CreatingThreadId; /* process create: CreateInfo->CreatingThreadId */
    ULONG CurrentProcessId;     /* PsGetCurrentProcessId() inside the routine: where it ran */
    ULONG CurrentThreadId;      /* PsGetCurrentThreadId() inside the routine */
    ULONG Flags;                /* PROCMON_FLAG_* */
    NTSTATUS Status;            /* process create: the CreationStatus the driver left;
                                   process exit: PsGetProcessExitStatus */
    ULONG64 ImageBase;          /* image load */
    ULONG64 ImageSize;          /* image load */
    USHORT ImageNameLength;     /* bytes in ImageName, NUL excluded */
    USHORT CommandLineLength;   /* bytes in CommandLine, NUL excluded */
    WCHAR ImageName[PROCMON_MAX_NAME_CHARS];           /* NUL-terminated */
    WCHAR CommandLine[PROCMON_MAX_COMMAND_LINE_CHARS]; /* NUL-terminated; NUL separators of a
                                                          WSL command line shown as spaces */
} PROCMON_EVENT, *PPROCMON_EVENT;

typedef struct _PROCMON_STATISTICS {
    ULONG Recorded; /* events recorded since DriverEntry (queued or already drained) */
    ULONG Dropped;  /* events lost because PROCMON_MAX_QUEUED_EVENTS were waiting */
    ULONG Queued;   /* events waiting to be drained */
} PROCMON_STATISTICS, *PPROCMON_STATISTICS;

/* ---- the client's entry points ----
 * On Windows a user-mode client would reach these through DeviceIoControl on the driver's
 * device; that I/O path does not exist yet, so tests and demos call them directly. Call them
 * only between the driver's load and unload, at PASSIVE_LEVEL. */

/* Moves up to Capacity of the oldest queued events into Buffer, oldest first, and stores how
 * many in *Returned. STATUS_INVALID_PARAMETER when Returned is NULL, or Buffer is NULL and
 * Capacity is not 0. */
NTSTATUS ProcmonDrainEvents(_Out_ PPROCMON_EVENT Buffer, _In_ ULONG Capacity,
                            _Out_ PULONG Returned);

/* STATUS_INVALID_PARAMETER when Statistics is NULL. */
NTSTATUS ProcmonQueryStatistics(_Out_ PPROCMON_STATISTICS Statistics);

/* ---- loading the driver in pssim ----
 * procmon.c defines DriverEntry, as every driver does. On Windows each driver is its own image;
 * a test program links several drivers into one executable, so the build renames each driver's
 * DriverEntry (examples/CMakeLists.txt: DriverEntry=ProcmonDriverEntry). A test then writes
 *     pssim_driver_load(m, ProcmonDriverEntry, "procmon", PSSIM_DRIVER_FORCE_INTEGRITY, &drv);
 * FORCE_INTEGRITY stands for linking with /INTEGRITYCHECK, which the Ex2 and thread Ex
 * registrations require (PROC-REG-5). */
DRIVER_INITIALIZE ProcmonDriverEntry;

#ifdef __cplusplus
}
#endif

#endif /* PROCMON_H */
