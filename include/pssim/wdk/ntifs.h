/* ntifs.h: the file-system/advanced surface: Ps lookups, ObOpenObjectByPointer, ZwOpenThread. */
#ifndef PSSIM_WDK_NTIFS_H
#define PSSIM_WDK_NTIFS_H

#ifndef _NTIFS_
#define _NTIFS_
#endif

#include "ntddk.h"

#ifdef __cplusplus
extern "C" {
#endif

NTKERNELAPI NTSTATUS PsLookupProcessByProcessId(HANDLE ProcessId, PEPROCESS *Process);
NTKERNELAPI NTSTATUS PsLookupThreadByThreadId(HANDLE ThreadId, PETHREAD *Thread);
NTKERNELAPI BOOLEAN PsIsSystemThread(PETHREAD Thread);
NTKERNELAPI BOOLEAN PsIsThreadTerminating(PETHREAD Thread);
NTKERNELAPI NTSTATUS ObOpenObjectByPointer(PVOID Object, ULONG HandleAttributes,
                                           PACCESS_STATE PassedAccessState,
                                           ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                           KPROCESSOR_MODE AccessMode, PHANDLE Handle);
NTSYSAPI NTSTATUS NTAPI ZwOpenThread(PHANDLE ThreadHandle, ACCESS_MASK DesiredAccess,
                                     POBJECT_ATTRIBUTES ObjectAttributes, PCLIENT_ID ClientId);
NTKERNELAPI PEPROCESS PsGetCurrentThreadProcess(VOID);
NTKERNELAPI HANDLE PsGetCurrentThreadProcessId(VOID);
NTKERNELAPI PDEVICE_OBJECT IoGetLowerDeviceObject(PDEVICE_OBJECT DeviceObject);

#ifdef __cplusplus
}
#endif

#endif /* PSSIM_WDK_NTIFS_H */
