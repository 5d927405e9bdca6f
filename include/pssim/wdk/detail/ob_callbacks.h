/* detail/ob_callbacks.h: object-manager callbacks (ObRegisterCallbacks & co), part of wdm.h.
 * Names, values and layouts as in the WDK; the rules pssim implements are OBCB-1..n of
 * docs/ob-callbacks.md. Included by wdm.h after POBJECT_TYPE is declared. */
#ifndef PSSIM_WDK_DETAIL_OB_CALLBACKS_H
#define PSSIM_WDK_DETAIL_OB_CALLBACKS_H

#include "../ntdef.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ZwDuplicateObject options (wdm.h in the WDK). */
#define DUPLICATE_CLOSE_SOURCE 0x00000001
#define DUPLICATE_SAME_ACCESS 0x00000002
#define DUPLICATE_SAME_ATTRIBUTES 0x00000004

#define OB_FLT_REGISTRATION_VERSION_0100 0x0100
#define OB_FLT_REGISTRATION_VERSION OB_FLT_REGISTRATION_VERSION_0100

typedef ULONG OB_OPERATION;

#define OB_OPERATION_HANDLE_CREATE 0x00000001
#define OB_OPERATION_HANDLE_DUPLICATE 0x00000002

typedef struct _OB_PRE_CREATE_HANDLE_INFORMATION {
    ACCESS_MASK DesiredAccess;
    ACCESS_MASK OriginalDesiredAccess;
} OB_PRE_CREATE_HANDLE_INFORMATION, *POB_PRE_CREATE_HANDLE_INFORMATION;

typedef struct _OB_PRE_DUPLICATE_HANDLE_INFORMATION {
    ACCESS_MASK DesiredAccess;
    ACCESS_MASK OriginalDesiredAccess;
    PVOID SourceProcess;
    PVOID TargetProcess;
} OB_PRE_DUPLICATE_HANDLE_INFORMATION, *POB_PRE_DUPLICATE_HANDLE_INFORMATION;

typedef union _OB_PRE_OPERATION_PARAMETERS {
    OB_PRE_CREATE_HANDLE_INFORMATION CreateHandleInformation;
    OB_PRE_DUPLICATE_HANDLE_INFORMATION DuplicateHandleInformation;
} OB_PRE_OPERATION_PARAMETERS, *POB_PRE_OPERATION_PARAMETERS;

PSSIM_NESTED_ANON_BEGIN
typedef struct _OB_PRE_OPERATION_INFORMATION {
    OB_OPERATION Operation;
    union {
        ULONG Flags;
        PSSIM_ANONYMOUS_STRUCT struct {
            ULONG KernelHandle : 1;
            ULONG Reserved : 31;
        };
    };
    PVOID Object;
    POBJECT_TYPE ObjectType;
    PVOID CallContext;
    POB_PRE_OPERATION_PARAMETERS Parameters;
} OB_PRE_OPERATION_INFORMATION, *POB_PRE_OPERATION_INFORMATION;
PSSIM_NESTED_ANON_END

typedef struct _OB_POST_CREATE_HANDLE_INFORMATION {
    ACCESS_MASK GrantedAccess;
} OB_POST_CREATE_HANDLE_INFORMATION, *POB_POST_CREATE_HANDLE_INFORMATION;

typedef struct _OB_POST_DUPLICATE_HANDLE_INFORMATION {
    ACCESS_MASK GrantedAccess;
} OB_POST_DUPLICATE_HANDLE_INFORMATION, *POB_POST_DUPLICATE_HANDLE_INFORMATION;

typedef union _OB_POST_OPERATION_PARAMETERS {
    OB_POST_CREATE_HANDLE_INFORMATION CreateHandleInformation;
    OB_POST_DUPLICATE_HANDLE_INFORMATION DuplicateHandleInformation;
} OB_POST_OPERATION_PARAMETERS, *POB_POST_OPERATION_PARAMETERS;

PSSIM_NESTED_ANON_BEGIN
typedef struct _OB_POST_OPERATION_INFORMATION {
    OB_OPERATION Operation;
    union {
        ULONG Flags;
        PSSIM_ANONYMOUS_STRUCT struct {
            ULONG KernelHandle : 1;
            ULONG Reserved : 31;
        };
    };
    PVOID Object;
    POBJECT_TYPE ObjectType;
    PVOID CallContext;
    NTSTATUS ReturnStatus;
    POB_POST_OPERATION_PARAMETERS Parameters; /* valid only when ReturnStatus is a success */
} OB_POST_OPERATION_INFORMATION, *POB_POST_OPERATION_INFORMATION;
PSSIM_NESTED_ANON_END

typedef enum _OB_PREOP_CALLBACK_STATUS {
    OB_PREOP_SUCCESS
} OB_PREOP_CALLBACK_STATUS,
    *POB_PREOP_CALLBACK_STATUS;

typedef OB_PREOP_CALLBACK_STATUS (*POB_PRE_OPERATION_CALLBACK)(
    PVOID RegistrationContext, POB_PRE_OPERATION_INFORMATION OperationInformation);
typedef VOID (*POB_POST_OPERATION_CALLBACK)(PVOID RegistrationContext,
                                            POB_POST_OPERATION_INFORMATION OperationInformation);

typedef struct _OB_OPERATION_REGISTRATION {
    POBJECT_TYPE *ObjectType; /* PsProcessType or PsThreadType */
    OB_OPERATION Operations;
    POB_PRE_OPERATION_CALLBACK PreOperation;
    POB_POST_OPERATION_CALLBACK PostOperation;
} OB_OPERATION_REGISTRATION, *POB_OPERATION_REGISTRATION;

typedef struct _OB_CALLBACK_REGISTRATION {
    USHORT Version; /* OB_FLT_REGISTRATION_VERSION */
    USHORT OperationRegistrationCount;
    UNICODE_STRING Altitude;
    PVOID RegistrationContext;
    OB_OPERATION_REGISTRATION *OperationRegistration;
} OB_CALLBACK_REGISTRATION, *POB_CALLBACK_REGISTRATION;

NTKERNELAPI NTSTATUS ObRegisterCallbacks(POB_CALLBACK_REGISTRATION CallbackRegistration,
                                         PVOID *RegistrationHandle);
NTKERNELAPI VOID ObUnRegisterCallbacks(PVOID RegistrationHandle);
NTKERNELAPI USHORT ObGetFilterVersion(VOID);

/* ntifs.h in the WDK. */
NTSYSAPI NTSTATUS NTAPI ZwDuplicateObject(HANDLE SourceProcessHandle, HANDLE SourceHandle,
                                          HANDLE TargetProcessHandle, PHANDLE TargetHandle,
                                          ACCESS_MASK DesiredAccess, ULONG HandleAttributes,
                                          ULONG Options);

/* Documented x64 layouts. */
#if defined(__x86_64__) || defined(_M_X64) || defined(__aarch64__)
C_ASSERT(sizeof(OB_PRE_OPERATION_INFORMATION) == 0x28);
C_ASSERT(offsetof(OB_PRE_OPERATION_INFORMATION, Object) == 0x08);
C_ASSERT(offsetof(OB_PRE_OPERATION_INFORMATION, CallContext) == 0x18);
C_ASSERT(offsetof(OB_PRE_OPERATION_INFORMATION, Parameters) == 0x20);
C_ASSERT(sizeof(OB_POST_OPERATION_INFORMATION) == 0x30);
C_ASSERT(offsetof(OB_POST_OPERATION_INFORMATION, ReturnStatus) == 0x20);
C_ASSERT(offsetof(OB_POST_OPERATION_INFORMATION, Parameters) == 0x28);
C_ASSERT(sizeof(OB_PRE_DUPLICATE_HANDLE_INFORMATION) == 0x18);
C_ASSERT(sizeof(OB_OPERATION_REGISTRATION) == 0x20);
C_ASSERT(offsetof(OB_OPERATION_REGISTRATION, PreOperation) == 0x10);
C_ASSERT(sizeof(OB_CALLBACK_REGISTRATION) == 0x28);
C_ASSERT(offsetof(OB_CALLBACK_REGISTRATION, Altitude) == 0x08);
C_ASSERT(offsetof(OB_CALLBACK_REGISTRATION, OperationRegistration) == 0x20);
#endif

#ifdef __cplusplus
}
#endif

#endif /* PSSIM_WDK_DETAIL_OB_CALLBACKS_H */
