/* bugcheck_codes.h: the bug check codes pssim raises (BUGCHECK-1), as one X-macro list. */
#ifndef PSSIM_CORE_BUGCHECK_CODES_H
#define PSSIM_CORE_BUGCHECK_CODES_H

#define PSSIM_BUGCHECK_LIST(X)                                                                     \
    X(0x01, APC_INDEX_MISMATCH)                                                                    \
    X(0x08, IRQL_NOT_DISPATCH_LEVEL)                                                               \
    X(0x09, IRQL_NOT_GREATER_OR_EQUAL)                                                             \
    X(0x0A, IRQL_NOT_LESS_OR_EQUAL)                                                                \
    X(0x0C, MAXIMUM_WAIT_OBJECTS_EXCEEDED)                                                         \
    X(0x0F, SPIN_LOCK_ALREADY_OWNED)                                                               \
    X(0x10, SPIN_LOCK_NOT_OWNED)                                                                   \
    X(0x18, REFERENCE_BY_POINTER)                                                                  \
    X(0x1E, KMODE_EXCEPTION_NOT_HANDLED)                                                           \
    X(0x20, KERNEL_APC_PENDING_DURING_EXIT)                                                        \
    X(0x2A, INCONSISTENT_IRP)                                                                      \
    X(0x35, NO_MORE_IRP_STACK_LOCATIONS)                                                           \
    X(0x39, SYSTEM_EXIT_OWNED_MUTEX)                                                               \
    X(0x44, MULTIPLE_IRP_COMPLETE_REQUESTS)                                                        \
    X(0x48, CANCEL_STATE_IN_COMPLETED_IRP)                                                         \
    X(0x4A, IRQL_GT_ZERO_AT_SYSTEM_SERVICE)                                                        \
    X(0x7E, SYSTEM_THREAD_EXCEPTION_NOT_HANDLED)                                                   \
    X(0x7F, UNEXPECTED_KERNEL_MODE_TRAP)                                                           \
    X(0x93, INVALID_KERNEL_HANDLE)                                                                 \
    X(0xB8, ATTEMPTED_SWITCH_FROM_DPC)                                                             \
    X(0xBF, MUTEX_ALREADY_OWNED)                                                                   \
    X(0xC2, BAD_POOL_CALLER)                                                                       \
    X(0xC4, DRIVER_VERIFIER_DETECTED_VIOLATION)                                                    \
    X(0xC8, IRQL_UNEXPECTED_VALUE)                                                                 \
    X(0xC9, DRIVER_VERIFIER_IOMANAGER_VIOLATION)                                                   \
    X(0xCE, DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS)                                 \
    X(0xD1, DRIVER_IRQL_NOT_LESS_OR_EQUAL)                                                         \
    X(0xD4, SYSTEM_SCAN_AT_RAISED_IRQL_CAUGHT_IMPROPER_DRIVER_UNLOAD)                              \
    X(0xDF, IMPERSONATING_WORKER_THREAD)                                                           \
    X(0xE1, WORKER_THREAD_RETURNED_AT_BAD_IRQL)                                                    \
    X(0xE3, RESOURCE_NOT_OWNED)                                                                    \
    X(0xE4, WORKER_INVALID)                                                                        \
    X(0xE9, ACTIVE_EX_WORKER_THREAD_TERMINATION)                                                   \
    X(0x11B, DRIVER_RETURNED_HOLDING_CANCEL_LOCK)                                                  \
    X(0x139, KERNEL_SECURITY_CHECK_FAILURE)                                                        \
    X(0x19A, WORKER_THREAD_RETURNED_WHILE_ATTACHED_TO_SILO)                                        \
    X(0x4000008A, THREAD_TERMINATE_HELD_MUTEX)

#endif
