/* protector.h: what the Protector driver and its user-mode clients share: the device names, the
 * control codes with their buffers and statuses, and the pool tags (for leak checks).
 *
 * Include it after <ntddk.h> (the driver) or after <windows.h> and <winioctl.h> (a client): it
 * uses their ULONG, WCHAR and CTL_CODE and includes nothing itself.
 *
 * Text is counted in bytes. A UNICODE name is an array of WCHAR, each sizeof(WCHAR) bytes: 2 on
 * Windows; a client never hard-codes that size. */
#ifndef PROTECTOR_H
#define PROTECTOR_H

#ifdef __cplusplus
extern "C" {
#endif

#define PROTECTOR_DEVICE_NAME L"\\Device\\Protector"
#define PROTECTOR_LINK_NAME L"\\??\\Protector"
#define PROTECTOR_WIN32_NAME "\\\\.\\Protector" /* what a client passes to CreateFile */

/* Pool tags, as a pool dump shows them: "PrtP" for a protected-process entry, "PrtN" for a
 * blocked-name entry. Everything the driver allocates is under one of them, and nothing is left
 * under either after DriverUnload. */
#define PROTECTOR_TAG_PROCESS 'PtrP'
#define PROTECTOR_TAG_NAME 'NtrP'

/* Limits of the two lists. A full list: STATUS_INSUFFICIENT_RESOURCES. */
#define PROTECTOR_MAX_PROCESSES 64
#define PROTECTOR_MAX_NAMES 64
/* Longest blocked name, in characters (trailing NULs not counted). */
#define PROTECTOR_MAX_NAME_CHARS 260

/* The rights stripped from a user-mode handle to a protected process (ObRegisterCallbacks, on
 * OB_OPERATION_HANDLE_CREATE and OB_OPERATION_HANDLE_DUPLICATE): terminating it, writing its
 * memory, suspending it. Everything else asked for is left, and SYNCHRONIZE and
 * PROCESS_QUERY_LIMITED_INFORMATION could not be taken away anyway. */
#define PROTECTOR_STRIPPED_ACCESS (PROCESS_TERMINATE | PROCESS_VM_WRITE | PROCESS_SUSPEND_RESUME)

/* Third-party device types and function codes start at 0x8000 and 0x800. Unsigned: CTL_CODE
 * shifts the type left by 16, and 0x8000 << 16 does not fit an int. */
#define PROTECTOR_DEVICE_TYPE 0x8000u

/* All codes are METHOD_BUFFERED. Statuses common to all of them: an input or output pointer that
 * is NULL with a non-zero length never reaches the driver (the I/O manager fails the call with
 * STATUS_ACCESS_VIOLATION); an unknown code is STATUS_INVALID_DEVICE_REQUEST. */

/* Input: PROTECTOR_PROCESS_REQUEST. Protects the process until it exits, it is unprotected, or
 * the driver unloads. Protecting a protected process again succeeds and changes nothing.
 * Input shorter than the structure: STATUS_BUFFER_TOO_SMALL; ProcessId 0:
 * STATUS_INVALID_PARAMETER; no such process: the status of opening it (STATUS_INVALID_CID);
 * PROTECTOR_MAX_PROCESSES already protected: STATUS_INSUFFICIENT_RESOURCES. */
#define IOCTL_PROTECTOR_PROTECT_PROCESS                                                            \
    CTL_CODE(PROTECTOR_DEVICE_TYPE, 0x800, METHOD_BUFFERED, FILE_WRITE_ACCESS)
/* Input: PROTECTOR_PROCESS_REQUEST. Input too short: STATUS_BUFFER_TOO_SMALL; ProcessId 0:
 * STATUS_INVALID_PARAMETER; not protected: STATUS_NOT_FOUND. */
#define IOCTL_PROTECTOR_UNPROTECT_PROCESS                                                          \
    CTL_CODE(PROTECTOR_DEVICE_TYPE, 0x801, METHOD_BUFFERED, FILE_WRITE_ACCESS)
/* Input: the name as WCHARs (the input length in bytes; no NUL needed, trailing NULs ignored).
 * From then on, creating a process whose image file name ends with the name, on a path
 * separator ('\' or '/') or as a whole, compared without case, fails with
 * STATUS_ACCESS_DENIED: "evil.exe" blocks "\Device\HarddiskVolume2\Temp\EVIL.EXE" but not
 * "\Device\HarddiskVolume2\Temp\notevil.exe". Adding a name already on the list succeeds and
 * changes nothing.
 * An input length that is not a multiple of sizeof(WCHAR), empty (no buffer, or only NULs), or
 * longer than PROTECTOR_MAX_NAME_CHARS characters: STATUS_INVALID_PARAMETER;
 * PROTECTOR_MAX_NAMES already blocked: STATUS_INSUFFICIENT_RESOURCES. */
#define IOCTL_PROTECTOR_BLOCK_IMAGE_W                                                              \
    CTL_CODE(PROTECTOR_DEVICE_TYPE, 0x802, METHOD_BUFFERED, FILE_WRITE_ACCESS)
/* The same with the name as ANSI characters (the input length in bytes), converted with
 * RtlAnsiStringToUnicodeString. Empty or longer than PROTECTOR_MAX_NAME_CHARS:
 * STATUS_INVALID_PARAMETER. */
#define IOCTL_PROTECTOR_BLOCK_IMAGE_A                                                              \
    CTL_CODE(PROTECTOR_DEVICE_TYPE, 0x803, METHOD_BUFFERED, FILE_WRITE_ACCESS)
/* Output: PROTECTOR_STATS. Output shorter than the structure: STATUS_BUFFER_TOO_SMALL. */
#define IOCTL_PROTECTOR_GET_STATS                                                                  \
    CTL_CODE(PROTECTOR_DEVICE_TYPE, 0x804, METHOD_BUFFERED, FILE_READ_ACCESS)

typedef struct _PROTECTOR_PROCESS_REQUEST {
    ULONG ProcessId;
} PROTECTOR_PROCESS_REQUEST, *PPROTECTOR_PROCESS_REQUEST;

/* Counters since DriverEntry. */
typedef struct _PROTECTOR_STATS {
    ULONG DeniedCreations;   /* process creations denied by name */
    ULONG StrippedOpens;     /* user handles (opened or duplicated) to a protected process that lost
                                at least one of PROTECTOR_STRIPPED_ACCESS */
    ULONG KernelHandlesSeen; /* kernel handles to a protected process, left alone (kernel
                                handles are never stripped); the driver's own open when asked
                                to protect a process already protected is one */
    ULONG ProtectedProcesses; /* processes protected now */
    ULONG BlockedNames;       /* names blocked now */
} PROTECTOR_STATS, *PPROTECTOR_STATS;

#ifdef __cplusplus
}
#endif

#endif /* PROTECTOR_H */
