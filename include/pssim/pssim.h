/* pssim.h: the control API. Tests, examples and harnesses drive simulated machines through it. */
#ifndef PSSIM_PSSIM_H
#define PSSIM_PSSIM_H

#include <stdbool.h>
#include <stdint.h>

#include "wdk/ntddk.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__ELF__)
#define PSSIM_API __attribute__((visibility("default")))
#else
#define PSSIM_API
#endif

#define PSSIM_VERSION_MAJOR 0
#define PSSIM_VERSION_MINOR 1
#define PSSIM_VERSION_PATCH 0
/* "MAJOR.MINOR.PATCH" of the library linked in, which may differ from the header's. */
PSSIM_API const char *pssim_version(void);

/* ---------------------------------------------------------------------------------------------
 * Machine
 * ------------------------------------------------------------------------------------------- */

typedef struct pssim_machine pssim_machine; /* opaque */

#define PSSIM_BACKEND_FIBERS 0
#define PSSIM_BACKEND_THREADS 1

#define PSSIM_CID_REUSE_FIFO 0      /* Windows-like: the oldest freed ID comes back last (CID-4) */
#define PSSIM_CID_REUSE_IMMEDIATE 1 /* the lowest free ID at once: exposes stale-ID bugs */

#define PSSIM_DUPLICATE_ALLOW 0 /* PROC-REG-7: what Windows 10/11 do (two slots, two calls) */
#define PSSIM_DUPLICATE_REJECT                                                                     \
    1 /* PROC-REG-7: what the DDI pages say (STATUS_INVALID_PARAMETER)                             \
       */

/* The verifier's rules (docs/verifier.md): X(enum, rule ID, short name, default action,
 * guideline). Each rule is off, warn (report and go on) or fail (report and stop the machine
 * with bug check 0xC4, P1 = PSSIM_VERIFIER_BUGCHECK_BASE + the rule). */
#define PSSIM_VERIFIER_RULE_LIST(X)                                                                \
    X(PSSIM_VRULE_SLOW_ROUTINE, "GUIDE-1", "slow-routine", PSSIM_VERIFIER_WARN,                    \
      "Do little and return fast: a notify or Ob callback routine ran past its budget of "         \
      "virtual time or kernel calls.")                                                             \
    X(PSSIM_VRULE_USER_MODE_CALL, "GUIDE-2", "user-mode-call", PSSIM_VERIFIER_WARN,                \
      "Do not call into a user-mode service to vet the process, thread or image: a notify "        \
      "routine or Ob callback sent a message to user mode (FltSendMessage).")                      \
    X(PSSIM_VRULE_REGISTRY_CALL, "GUIDE-3", "registry-call", PSSIM_VERIFIER_WARN,                  \
      "Do not touch the registry: a notify routine or Ob callback called a Zw*Key or Rtl "         \
      "registry routine.")                                                                         \
    X(PSSIM_VRULE_BLOCKING_CALL, "GUIDE-4", "blocking-call", PSSIM_VERIFIER_WARN,                  \
      "Do not make calls that block: a notify routine waited (a wait with a non-zero or no "       \
      "timeout, a delay).")                                                                        \
    X(PSSIM_VRULE_LOCK_ORDER, "GUIDE-5", "lock-order", PSSIM_VERIFIER_WARN,                        \
      "Do not synchronize in ways that can deadlock: two locks were taken in opposite orders "     \
      "(a cycle in the machine's lock-order graph), a deadlock waiting for a schedule.")           \
    X(PSSIM_VRULE_DEADLOCK, "GUIDE-5", "deadlock", PSSIM_VERIFIER_WARN,                            \
      "Threads wait for each other in a cycle: each waits for a lock another of them holds.")      \
    X(PSSIM_VRULE_DATA_RACE, "GUIDE-9", "data-race", PSSIM_VERIFIER_WARN,                          \
      "Be reentrant and thread-safe: instrumented driver code wrote data that another thread "     \
      "also touches, with no lock held in common (a lockset check, docs/verifier.md).")            \
    X(PSSIM_VRULE_WAIT_FOR_OWN_WORK, "GUIDE-6", "waits-for-own-work", PSSIM_VERIFIER_WARN,         \
      "Hand slow work to a worker thread and do not wait for it: a notify routine waited after "   \
      "queueing a work item, or waited for a thread of its own driver.")                           \
    X(PSSIM_VRULE_APC_DISABLED_WAIT, "GUIDE-8", "apc-disabled-wait", PSSIM_VERIFIER_WARN,          \
      "Nothing that needs an APC on this thread may wait with APCs disabled: a thread blocked "    \
      "on an event that only a kernel APC it cannot run now (I/O completion, a hard error) "       \
      "would set.")                                                                                \
    X(PSSIM_VRULE_LONG_WORK_ITEM, "WORK-3", "long-work-item", PSSIM_VERIFIER_WARN,                 \
      "Work items must be short: a routine held a shared system worker thread past its budget; "   \
      "long work belongs on a driver-created thread.")                                             \
    X(PSSIM_VRULE_STACK_USE, "GUIDE-7", "stack-use", PSSIM_VERIFIER_WARN,                          \
      "Mind kernel stack usage: a notify routine or Ob callback used more of the kernel stack "    \
      "than its budget.")                                                                          \
    X(PSSIM_VRULE_RETURN_HOLDING_LOCK, "IMAGE-NOTIFY-12", "return-holding-lock",                   \
      PSSIM_VERIFIER_WARN,                                                                         \
      "A routine returns with the state it was given: a notify routine, Ob callback or work "      \
      "item returned holding a lock it acquired.")                                                 \
    X(PSSIM_VRULE_UNLOAD_LEFTOVERS, "BUGCHECK-3", "unload-leftovers", PSSIM_VERIFIER_WARN,         \
      "Unload only after undoing everything that can call into the driver: notify routines, "      \
      "Ob callbacks, queued work items, running system threads, set timers.")                      \
    X(PSSIM_VRULE_UNLOAD_LEAKS, "BUGCHECK-3", "unload-leaks", PSSIM_VERIFIER_WARN,                 \
      "Unload only after freeing what the driver took: pool allocations (by tag) and object "      \
      "references still outstanding when DriverUnload returned.")

typedef enum pssim_verifier_rule {
#define PSSIM_VRULE_ENUM(e, id, name, action, text) e,
    PSSIM_VERIFIER_RULE_LIST(PSSIM_VRULE_ENUM)
#undef PSSIM_VRULE_ENUM
        PSSIM_VERIFIER_RULE_COUNT
} pssim_verifier_rule;

#define PSSIM_VERIFIER_DEFAULT 0 /* the rule's own default (the table) */
#define PSSIM_VERIFIER_OFF 1
#define PSSIM_VERIFIER_WARN 2
#define PSSIM_VERIFIER_FAIL 3
#define PSSIM_VERIFIER_BUGCHECK_BASE 0x00F00000 /* 0xC4's P1 for a failing rule (pssim's own) */

typedef struct pssim_config {
    uint32_t cpu_count;           /* simulated processors, 1..64; default 1 */
    uint64_t seed;                /* every random choice derives from it; default 0 */
    uint64_t quantum_ns;          /* one time slice; default 31250000 (SCHED-7) */
    uint64_t timer_resolution_ns; /* 0: exact; N: timers, timeouts and delays expire on a multiple
                                     of N */
    int backend;                  /* PSSIM_BACKEND_FIBERS (default) or PSSIM_BACKEND_THREADS */
    int cid_reuse;                /* PSSIM_CID_REUSE_FIFO (default) or PSSIM_CID_REUSE_IMMEDIATE */
    int duplicate_notify;         /* PSSIM_DUPLICATE_ALLOW (default) or PSSIM_DUPLICATE_REJECT */
    /* Additions beyond the fixed contract: */
    bool orphan_exit;         /* PROC-NOTIFY-12: deliver process-exit notifications for a process
                                 that never had a thread (default false: WRK/current behaviour) */
    uint64_t event_cost_ns;   /* virtual time one Ps event (create, exit, image map) costs;
                                 default 1000 */
    int64_t boot_system_time; /* KeQuerySystemTime at virtual time 0, in 100 ns units since
                                 1601-01-01; default 2026-01-01T00:00:00Z */
    bool debug_print_stderr;  /* also echo DbgPrint output to stderr; default false */
    /* The verifier (docs/verifier.md): an action per rule (PSSIM_VERIFIER_*; 0 = the rule's
     * default), and the GUIDE-1 budget of one routine call: virtual time (default 1 ms) and
     * kernel calls (default 1000). */
    uint8_t verifier[PSSIM_VERIFIER_RULE_COUNT];
    uint64_t verifier_budget_ns;
    uint32_t verifier_budget_calls;
    uint64_t kernel_call_cost_ns;     /* virtual time each call into the simulated kernel (a WDK
                                         routine) costs the calling thread, charged at its next
                                         scheduling point; default 0 (docs/execution.md) */
    uint32_t kernel_stack_size;       /* each thread's simulated kernel stack in bytes: 0 =
                                         KERNEL_STACK_SIZE (24 KiB, x64), else 4 KiB..64 KiB (the
                                         real stack under it); deeper is 0x7F (STACK-4, GUIDE-7) */
    uint32_t verifier_stack_budget;   /* GUIDE-7: stack one routine call may use; default 8 KiB */
    uint64_t verifier_work_budget_ns; /* WORK-3: virtual time one work item may hold a system
                                         worker thread; default 100 ms */
} pssim_config;

PSSIM_API void pssim_config_init(pssim_config *cfg);
PSSIM_API NTSTATUS pssim_machine_create(const pssim_config *cfg /* NULL = defaults */,
                                        pssim_machine **out);
PSSIM_API void pssim_machine_destroy(pssim_machine *m); /* NULL is a no-op */
/* "STATUS_ACCESS_DENIED"; for a value with no name "NTSTATUS 0x%08X" (never NULL). */
PSSIM_API const char *pssim_status_name(NTSTATUS s);

/* Well-known objects of every machine. */
#define PSSIM_IDLE_PID ((HANDLE)(ULONG_PTR)0)
#define PSSIM_SYSTEM_PID ((HANDLE)(ULONG_PTR)4)
PSSIM_API HANDLE pssim_host_pid(pssim_machine *m); /* the host process ("pssim-host.exe") */
PSSIM_API HANDLE pssim_host_tid(pssim_machine *m); /* the adopted caller thread */

/* ---------------------------------------------------------------------------------------------
 * Drivers
 * ------------------------------------------------------------------------------------------- */

#define PSSIM_DRIVER_FORCE_INTEGRITY 0x1 /* image linked with /INTEGRITYCHECK */

PSSIM_API NTSTATUS pssim_driver_load(pssim_machine *m, PDRIVER_INITIALIZE entry,
                                     const char *name /* "mydrv" */, uint32_t flags,
                                     PDRIVER_OBJECT *out /* may be NULL */);
PSSIM_API NTSTATUS pssim_driver_unload(pssim_machine *m, PDRIVER_OBJECT driver);

/* ---------------------------------------------------------------------------------------------
 * Registry (added; docs/registry.md): the machine's in-memory registry, seeded and read back by
 * the test, e.g. a driver's Parameters key before pssim_driver_load
 * ------------------------------------------------------------------------------------------- */

/* Sets value `value_name` (UTF-8; NULL or "" = the key's unnamed value) of the key at `key_path`
 * (UTF-8, "\\Registry\\Machine\\..." or "\\Registry\\User\\...", names without case),
 * creating that key and every missing key above it. `data` is what a driver reads back: REG_SZ
 * is WCHARs with the terminating NUL (L"text", sizeof(L"text")), REG_DWORD a ULONG. */
PSSIM_API NTSTATUS pssim_registry_set_value(pssim_machine *m, const char *key_path,
                                            const char *value_name, ULONG type, const void *data,
                                            ULONG size);
/* Reads a value: *type and *size (each may be NULL) receive its type and size in bytes; the data
 * is copied to buf when it fits in buf_size bytes (else STATUS_BUFFER_TOO_SMALL, nothing copied).
 * STATUS_OBJECT_NAME_NOT_FOUND when the key or the value does not exist. */
PSSIM_API NTSTATUS pssim_registry_get_value(pssim_machine *m, const char *key_path,
                                            const char *value_name, ULONG *type, void *buf,
                                            ULONG buf_size, ULONG *size);
/* Deletes the key and every key below it; handles still open on them get STATUS_KEY_DELETED.
 * STATUS_CANNOT_DELETE for \\Registry, \\Registry\\Machine and \\Registry\\User. */
PSSIM_API NTSTATUS pssim_registry_delete_key(pssim_machine *m, const char *key_path);

/* ---------------------------------------------------------------------------------------------
 * Devices and handles: what a user-mode client of the driver does (docs/io.md IO-CLIENT-*)
 * ------------------------------------------------------------------------------------------- */

typedef struct pssim_device_file pssim_device_file; /* an open handle to a device */

/* CreateFile of `name` ("\\??\\sysmon", "\\.\\sysmon" or "\\Device\\SysMon", optionally
 * followed by a file name the driver sees in FileObject->FileName) from process requestor_pid
 * (NULL = the host process; from a thread's body: that thread). The calls run on the requestor's
 * thread: the host thread for the host process, otherwise the oldest live thread of
 * requestor_pid (none: STATUS_INVALID_PARAMETER); they create no thread. They send real IRPs
 * with RequestorMode UserMode and return Irp->IoStatus.Status, with Information in
 * *transferred. A request the driver pends is waited for (the machine runs) until it completes;
 * if nothing can complete it the call returns STATUS_POSSIBLE_DEADLOCK and the IRP stays with
 * the driver until close cancels it (keep the buffers valid until then). Unknown names:
 * STATUS_OBJECT_NAME_NOT_FOUND; a major function the driver does not handle:
 * STATUS_INVALID_DEVICE_REQUEST. */
PSSIM_API NTSTATUS pssim_device_open(pssim_machine *m, HANDLE requestor_pid, const char *name,
                                     pssim_device_file **out);
PSSIM_API NTSTATUS pssim_device_read(pssim_device_file *f, void *buf, uint32_t len,
                                     uint64_t *transferred /* may be NULL */);
PSSIM_API NTSTATUS pssim_device_write(pssim_device_file *f, const void *buf, uint32_t len,
                                      uint64_t *transferred /* may be NULL */);
PSSIM_API NTSTATUS pssim_device_ioctl(pssim_device_file *f, uint32_t code, const void *in,
                                      uint32_t in_len, void *out, uint32_t out_len,
                                      uint64_t *transferred /* may be NULL */);
/* CloseHandle: cancels what is still outstanding on the handle, sends IRP_MJ_CLEANUP then
 * IRP_MJ_CLOSE, and returns STATUS_SUCCESS whatever they return. NULL is a no-op. */
PSSIM_API NTSTATUS pssim_device_close(pssim_device_file *f);

/* OpenProcess(desired, FALSE, target_pid) from `requestor_pid` (NULL = host; from a body: that
 * thread), on the requestor's thread with UserMode previous mode, then CloseHandle. The
 * ObRegisterCallbacks callbacks registered for process handles run around the open;
 * `*granted` receives the access the handle finally had (docs/ob-callbacks.md, OBCB-*). */
PSSIM_API NTSTATUS pssim_process_open(pssim_machine *m, HANDLE requestor_pid /* NULL = host */,
                                      HANDLE target_pid, ACCESS_MASK desired,
                                      ACCESS_MASK *granted /* may be NULL */);

/* ---------------------------------------------------------------------------------------------
 * Filter communication ports (added; docs/filter-ports.md, FLTPORT-*): what a user-mode service
 * does with a minifilter's port through fltuser.h, for a test playing that service
 * ------------------------------------------------------------------------------------------- */

/* The service's answer to one FltSendMessage: `message` is the driver's SenderBuffer; write at
 * most `reply_capacity` bytes into `reply` (NULL when the driver expects no reply) and their
 * count into *reply_size (a count above the capacity makes FltSendMessage return
 * STATUS_BUFFER_OVERFLOW). Return false to receive the message and never reply: the driver then
 * waits until its timeout. It runs as the service, in virtual time, and must not call into the
 * machine (neither WDK routines nor this API). */
typedef bool (*pssim_filter_handler)(void *context, const void *message, uint32_t message_size,
                                     void *reply, uint32_t reply_capacity, uint32_t *reply_size);

/* FilterConnectCommunicationPort(port_name, 0, context, context_size, NULL, &port) from process
 * `pid` (NULL = host; from a thread's body: that thread): the driver's ConnectNotify runs on a
 * thread of pid at PASSIVE_LEVEL with a copy of the context, and its failure status is returned.
 * OBJECT_NAME_NOT_FOUND (no such port, or closed), CONNECTION_COUNT_LIMIT (MaxConnections
 * reached), INVALID_PARAMETER (NULL m, port_name or port, context_size without context, no live
 * thread in pid), INVALID_DEVICE_STATE (that thread is blocked). */
PSSIM_API NTSTATUS pssim_filter_connect(pssim_machine *m, HANDLE pid, const char *port_name,
                                        const void *context, uint16_t context_size, HANDLE *port);
/* The service's message loop (FilterGetMessage + FilterReplyMessage): from now on each
 * FltSendMessage on this connection is received, and answered by handler(context, ...) after
 * latency_ns of virtual time, during which the sending thread waits. A NULL handler stops
 * serving (messages are then never received). INVALID_HANDLE for an unknown or closed port. */
PSSIM_API NTSTATUS pssim_filter_serve(pssim_machine *m, HANDLE port, pssim_filter_handler handler,
                                      void *context, uint64_t latency_ns);
/* FilterSendMessage: the driver's MessageNotify runs on the connecting process's thread at
 * PASSIVE_LEVEL; returns its status, with *returned (may be NULL) = ReturnOutputBufferLength.
 * INVALID_HANDLE, PORT_DISCONNECTED (the driver closed the client port),
 * INVALID_DEVICE_REQUEST (the port has no MessageNotify). */
PSSIM_API NTSTATUS pssim_filter_send(pssim_machine *m, HANDLE port, const void *in,
                                     uint32_t in_size, void *out, uint32_t out_size,
                                     uint32_t *returned);
/* CloseHandle of the connection: DisconnectNotify runs on the connecting process's thread, and a
 * FltSendMessage still waiting on it returns STATUS_PORT_DISCONNECTED. INVALID_HANDLE. */
PSSIM_API NTSTATUS pssim_filter_disconnect(pssim_machine *m, HANDLE port);

/* ---------------------------------------------------------------------------------------------
 * Processes, threads, images
 * ------------------------------------------------------------------------------------------- */

typedef enum { PSSIM_SUBSYSTEM_WIN32 = 0, PSSIM_SUBSYSTEM_WSL = 1 } pssim_subsystem;

#define PSSIM_PROCESS_NO_INITIAL_THREAD 0x1 /* create the process without a thread */
#define PSSIM_PROCESS_VALID_FLAGS 0x1

/* Process priority classes (SCHED-3), with the values of PROCESS_PRIORITY_CLASS. */
#define PSSIM_PRIORITY_CLASS_IDLE 1
#define PSSIM_PRIORITY_CLASS_NORMAL 2
#define PSSIM_PRIORITY_CLASS_HIGH 3
#define PSSIM_PRIORITY_CLASS_REALTIME 4
#define PSSIM_PRIORITY_CLASS_BELOW_NORMAL 5
#define PSSIM_PRIORITY_CLASS_ABOVE_NORMAL 6

/* Thread relative priorities (SCHED-3), as the Win32 THREAD_PRIORITY_* values. */
#define PSSIM_THREAD_PRIORITY_IDLE (-15)
#define PSSIM_THREAD_PRIORITY_LOWEST (-2)
#define PSSIM_THREAD_PRIORITY_BELOW_NORMAL (-1)
#define PSSIM_THREAD_PRIORITY_NORMAL 0
#define PSSIM_THREAD_PRIORITY_ABOVE_NORMAL 1
#define PSSIM_THREAD_PRIORITY_HIGHEST 2
#define PSSIM_THREAD_PRIORITY_TIME_CRITICAL 15

typedef struct pssim_process_params {
    const char *image_path;    /* UTF-8 NT path or, for WSL, a Linux path; required */
    const char *command_line;  /* UTF-8; NULL = none (CommandLine is NULL in CreateInfo). For WSL
                                  the arguments are separated by NUL: pass them with
                                  command_line_length */
    HANDLE parent_pid;         /* NULL = the calling thread's process */
    pssim_subsystem subsystem; /* default WIN32 */
    uint32_t flags;            /* PSSIM_PROCESS_* */
    /* Additions beyond the fixed contract: */
    size_t command_line_length;      /* bytes of command_line; 0 = strlen(command_line). Lets a WSL
                                        command line carry NUL separators (PROC-NOTIFY-15) */
    uint64_t image_base;             /* where the EXE is mapped; 0 = 0x00007FF600000000 */
    uint64_t image_size;             /* SizeOfImage of the EXE; 0 = 0x10000 */
    bool file_open_name_unavailable; /* FileOpenNameAvailable = 0 in CreateInfo */
    uint32_t priority_class;         /* PSSIM_PRIORITY_CLASS_*; 0 = NORMAL (SCHED-3) */
} pssim_process_params;

PSSIM_API void pssim_process_params_init(pssim_process_params *p);
PSSIM_API NTSTATUS pssim_process_create(pssim_machine *m, const pssim_process_params *p,
                                        HANDLE *pid /* may be NULL */,
                                        HANDLE *initial_tid /* may be NULL */);
PSSIM_API NTSTATUS pssim_process_terminate(pssim_machine *m, HANDLE pid, NTSTATUS exit_status);
PSSIM_API NTSTATUS pssim_thread_create(pssim_machine *m, HANDLE pid, HANDLE *tid /* may be NULL */);
PSSIM_API NTSTATUS pssim_thread_exit(pssim_machine *m, HANDLE tid, NTSTATUS exit_status);
PSSIM_API NTSTATUS pssim_image_load(pssim_machine *m, HANDLE pid /* 0 = kernel image */,
                                    const char *image_path, uint64_t base, uint64_t size);

/* ---------------------------------------------------------------------------------------------
 * Execution (simulated processors)
 * ------------------------------------------------------------------------------------------- */

typedef struct pssim_thread_params {
    PKSTART_ROUTINE start; /* body; returning from it exits with STATUS_SUCCESS */
    PVOID context;
    KPRIORITY priority; /* the thread's base priority; 0 = the process's base */
    KAFFINITY affinity; /* 0 = all processors */
    /* Additions beyond the fixed contract: */
    size_t stack_size;     /* 0 = 64 KiB (see docs/execution.md) */
    int relative_priority; /* used when priority is 0: THREAD_PRIORITY_* of SCHED-3 (-15 idle,
                              -2..2, 15 time critical) added to the process's class */
} pssim_thread_params;

PSSIM_API void pssim_thread_params_init(pssim_thread_params *p);
/* Creates a thread with a body in process pid (System: a system thread) and makes it ready; it
 * runs when pssim_machine_run runs the machine. */
PSSIM_API NTSTATUS pssim_thread_start(pssim_machine *m, HANDLE pid, const pssim_thread_params *p,
                                      HANDLE *tid /* may be NULL */);
/* Runs the ready threads on the simulated processors in virtual time: STATUS_SUCCESS when every
 * thread with a body has exited, STATUS_POSSIBLE_DEADLOCK when some still wait with nothing left
 * that could wake them (pssim_machine_report names them), STATUS_TIMEOUT on reaching until_ns
 * (absolute virtual time; 0 = no limit). */
PSSIM_API NTSTATUS pssim_machine_run(pssim_machine *m, uint64_t until_ns);
/* The current simulated thread computes for ns of virtual time (a scheduling point). */
PSSIM_API void pssim_cpu_work(uint64_t ns);
/* Added: the text of the last deadlock report ("" when none). */
PSSIM_API const char *pssim_machine_report(const pssim_machine *m);

/* Added: alerts and user APCs, as they reach a thread with a body (SYNC-2, SYNC-3). An alert
 * of `mode` (KernelMode or UserMode, like KeAlertThread / NtAlertThread) ends an alertable wait
 * of that mode or, for KernelMode, any alertable wait, with STATUS_ALERTED; otherwise it stays
 * pending and the thread's next alertable wait returns STATUS_ALERTED at once. A user APC (what
 * QueueUserAPC does from user mode) ends an alertable UserMode wait with STATUS_USER_APC and fn
 * runs on that thread as the wait returns; otherwise it waits for such a wait. Neither gets
 * through while the thread has kernel APCs disabled. System threads take no user APCs
 * (STATUS_ACCESS_DENIED). */
typedef void (*pssim_user_apc_fn)(void *context);
PSSIM_API NTSTATUS pssim_thread_alert(pssim_machine *m, HANDLE tid, KPROCESSOR_MODE mode);
PSSIM_API NTSTATUS pssim_thread_queue_user_apc(pssim_machine *m, HANDLE tid, pssim_user_apc_fn fn,
                                               void *context);

/* ---------------------------------------------------------------------------------------------
 * Trace (added): one event stream per machine, in virtual-time order
 * ------------------------------------------------------------------------------------------- */

#define PSSIM_TRACE_KIND_LIST(X)                                                                   \
    X(PSSIM_TRACE_SWITCH, "switch")      /* a processor starts running a thread */                 \
    X(PSSIM_TRACE_CPU_IDLE, "idle")      /* a processor has nothing to run */                      \
    X(PSSIM_TRACE_THREAD_READY, "ready") /* a thread becomes ready */                              \
    X(PSSIM_TRACE_THREAD_WAIT, "wait")   /* a thread waits (a = object, b = timed) */              \
    X(PSSIM_TRACE_THREAD_WAKE, "wake")   /* a wait ends (a = status) */                            \
    X(PSSIM_TRACE_CPU_WORK, "work")      /* a thread computes (a = ns) */                          \
    X(PSSIM_TRACE_THREAD_EXIT, "exit")   /* a thread has terminated (a = status) */                \
    X(PSSIM_TRACE_NOTIFY_CALL, "notify") /* a notify routine is called (a = kind) */               \
    X(PSSIM_TRACE_BUG_CHECK, "bugcheck") /* the machine stops (a = code) */                        \
    X(PSSIM_TRACE_VERIFIER, "verifier")  /* a verifier report (a = rule, b = action) */

typedef enum pssim_trace_kind {
#define PSSIM_TRACE_ENUM(name, text) name,
    PSSIM_TRACE_KIND_LIST(PSSIM_TRACE_ENUM)
#undef PSSIM_TRACE_ENUM
        PSSIM_TRACE_KIND_COUNT
} pssim_trace_kind;

typedef struct pssim_trace_event {
    uint64_t time_ns; /* virtual time */
    uint32_t cpu;     /* processor, where it applies */
    uint32_t kind;    /* pssim_trace_kind */
    uint64_t tid;     /* the thread concerned */
    uint64_t a, b;    /* kind-specific (see the list) */
} pssim_trace_event;

/* Starts (or stops) recording; starting clears what was recorded. At most `capacity` events are
 * kept (0 = 1,000,000); later ones are counted as dropped. */
PSSIM_API NTSTATUS pssim_trace_enable(pssim_machine *m, bool on, uint64_t capacity);
PSSIM_API uint64_t pssim_trace_count(const pssim_machine *m);
PSSIM_API NTSTATUS pssim_trace_get(const pssim_machine *m, uint64_t index, pssim_trace_event *out);
PSSIM_API const char *pssim_trace_kind_name(uint32_t kind); /* "switch", ...; never NULL */
/* Writes the trace as text, one event a line, into buf (NUL-terminated, truncated to size);
 * returns the bytes the whole text needs (excluding the NUL), like snprintf. */
PSSIM_API size_t pssim_trace_format_text(const pssim_machine *m, char *buf, size_t size);
/* Writes the trace as Chrome trace JSON (opens in Perfetto: one track per processor) to the
 * file at path. */
PSSIM_API NTSTATUS pssim_trace_write_chrome_json(const pssim_machine *m, const char *path);

/* ---------------------------------------------------------------------------------------------
 * The verifier (added; docs/verifier.md): what a driver does inside its notify routines and Ob
 * callbacks, and what it leaves behind at unload, checked against Microsoft's guidelines
 * ------------------------------------------------------------------------------------------- */

typedef struct pssim_verifier_report {
    uint32_t rule;        /* pssim_verifier_rule */
    uint32_t action;      /* PSSIM_VERIFIER_WARN or PSSIM_VERIFIER_FAIL */
    char driver[64];      /* the driver at fault ("" for the host image) */
    char routine[128];    /* its routine (symbol when the host can tell, else the address) */
    uint64_t tid;         /* the thread */
    uint32_t cpu;         /* the processor */
    uint64_t time_ns;     /* virtual time */
    char call[48];        /* the offending call ("KeWaitForSingleObject"), "" when none */
    char text[1024];      /* what happened, the guideline, and the fix */
    uint32_t occurrences; /* how often it happened: a rule about what a routine does reports a
                             routine's same call once, counting the repeats (>= 1) */
} pssim_verifier_report;

/* The rule's ID ("GUIDE-4"), short name ("blocking-call") and guideline; never NULL. */
PSSIM_API const char *pssim_verifier_rule_id(uint32_t rule);
PSSIM_API const char *pssim_verifier_rule_name(uint32_t rule);
PSSIM_API const char *pssim_verifier_rule_guideline(uint32_t rule);
/* The rule with this ID or short name, or PSSIM_VERIFIER_RULE_COUNT. */
PSSIM_API uint32_t pssim_verifier_rule_lookup(const char *id_or_name);
/* Sets a rule's action at run time (PSSIM_VERIFIER_OFF/WARN/FAIL, or DEFAULT); rule
 * PSSIM_VERIFIER_RULE_COUNT sets every rule. */
PSSIM_API NTSTATUS pssim_verifier_set(pssim_machine *m, uint32_t rule, int action);
PSSIM_API int pssim_verifier_get(const pssim_machine *m, uint32_t rule);
/* The reports so far, oldest first (at most 4096 are kept; later ones are counted). */
PSSIM_API uint32_t pssim_verifier_report_count(const pssim_machine *m);
PSSIM_API NTSTATUS pssim_verifier_report_get(const pssim_machine *m, uint32_t index,
                                             pssim_verifier_report *out);
PSSIM_API void pssim_verifier_reports_clear(pssim_machine *m);
/* Every report as readable text, like snprintf (returns the length the whole text needs). */
PSSIM_API size_t pssim_verifier_format(const pssim_machine *m, char *buf, size_t size);
/* GUIDE-9 (docs/verifier.md, "Races"): driver code compiled with the compiler's thread-sanitizer
 * instrumentation and linked with pssim::race reports every load and store here (pc: the
 * instruction's return address); the machine in force judges it. A range the detector must not
 * judge (data handed from thread to thread by an event, say) is set aside with
 * pssim_verifier_race_ignore. */
PSSIM_API void pssim_race_access(const volatile void *addr, size_t size, bool write,
                                 const void *pc);
PSSIM_API NTSTATUS pssim_verifier_race_ignore(pssim_machine *m, const void *addr, size_t size);
/* GUIDE-7: the most kernel stack one call of `routine` (a notify routine or Ob callback, by
 * address) has used on this machine, in bytes, whatever the rule's action; *calls (may be NULL)
 * receives how many of its calls were measured. 0 for a routine never called. */
PSSIM_API uint32_t pssim_verifier_stack_high_water(const pssim_machine *m, const void *routine,
                                                   uint64_t *calls);

/* ---------------------------------------------------------------------------------------------
 * Bug checks
 * ------------------------------------------------------------------------------------------- */

#define PSSIM_STATUS_BUGCHECK ((NTSTATUS)0xE0000001L) /* customer-defined error code */

typedef struct pssim_bugcheck {
    ULONG code; /* e.g. 0xCE */
    ULONG_PTR parameters[4];
    char text[512]; /* readable: the rule, the routine, the driver, the fix */
} pssim_bugcheck;

PSSIM_API bool pssim_machine_bugcheck(const pssim_machine *m,
                                      pssim_bugcheck *out /* may be NULL */);
/* The name of a bug check code ("DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS"), or
 * "UNKNOWN_BUGCHECK"; never NULL. */
PSSIM_API const char *pssim_bugcheck_name(ULONG code);

/* ---------------------------------------------------------------------------------------------
 * Inspection (additions beyond the fixed contract)
 * ------------------------------------------------------------------------------------------- */

/* Pool accounting per tag, for leak checks: the live bytes and blocks under `tag` (0 = all
 * tags together) in machine m. */
PSSIM_API NTSTATUS pssim_pool_usage(pssim_machine *m, ULONG tag, uint64_t *live_bytes,
                                    uint64_t *live_blocks);
/* Calls fn once per tag that still has live blocks; returns the number of such tags. */
typedef void (*pssim_pool_leak_fn)(void *ctx, ULONG tag, uint64_t live_bytes, uint64_t live_blocks);
PSSIM_API uint32_t pssim_pool_report_leaks(pssim_machine *m, pssim_pool_leak_fn fn, void *ctx);

/* Reference counts of the process or thread named by id (for reference-leak checks). */
PSSIM_API NTSTATUS pssim_object_counts(pssim_machine *m, HANDLE id, int64_t *pointer_count,
                                       int64_t *handle_count);
/* Number of live (not yet deleted) process and thread objects, Idle excluded. */
PSSIM_API NTSTATUS pssim_machine_object_count(pssim_machine *m, uint32_t *processes,
                                              uint32_t *threads);
/* Virtual nanoseconds since boot. */
PSSIM_API uint64_t pssim_machine_now(pssim_machine *m);

/* Everything drivers printed with DbgPrint/DbgPrintEx/KdPrint on machine m (the newest 64 KiB),
 * NUL-terminated; "" for NULL. Valid until the next WDK or control call on m. With
 * cfg.debug_print_stderr the text also goes to stderr as it is printed. */
PSSIM_API const char *pssim_debug_log(const pssim_machine *m);
PSSIM_API void pssim_debug_log_clear(pssim_machine *m);

/* ---------------------------------------------------------------------------------------------
 * Subsystem (pico) providers (added; docs/pico.md, rules PICO-1..12)
 *
 * pssim's shape of Windows' undocumented pico-provider interface (PsRegisterPicoProvider with
 * PS_PICO_PROVIDER_ROUTINES and PS_PICO_ROUTINES): one provider driver per machine handles the
 * system calls and user-mode exceptions of the threads of subsystem (WSL) processes, on those
 * threads, and hears of their exit.
 * ------------------------------------------------------------------------------------------- */

/* A system call as the provider receives it: the trap frame cut down to the registers of the
 * Linux x86-64 system-call convention (PICO-7). */
typedef struct pssim_pico_system_call {
    ULONG_PTR number;  /* rax on entry */
    ULONG_PTR args[6]; /* rdi, rsi, rdx, r10, r8, r9 */
    ULONG_PTR result;  /* rax on the return to user mode: the provider stores it (0 before) */
} pssim_pico_system_call;

#define PSSIM_PICO_EXCEPTION_MAXIMUM_PARAMETERS 15 /* as EXCEPTION_MAXIMUM_PARAMETERS */

/* A user-mode exception, with the fields of EXCEPTION_RECORD (PICO-9). */
typedef struct pssim_pico_exception {
    NTSTATUS code; /* ExceptionCode, e.g. STATUS_ACCESS_VIOLATION */
    ULONG flags;   /* ExceptionFlags: 0 */
    PVOID address; /* ExceptionAddress */
    ULONG parameter_count;
    ULONG_PTR parameters[PSSIM_PICO_EXCEPTION_MAXIMUM_PARAMETERS];
} pssim_pico_exception;

/* The provider's routines (PS_PICO_PROVIDER_ROUTINES). */
/* On the calling thread, at PASSIVE_LEVEL; stores call->result (PICO-7, PICO-8). */
typedef VOID pssim_pico_dispatch_system_call_fn(pssim_pico_system_call *call);
/* On the exiting thread, after its thread-exit notifications (PICO-11). */
typedef VOID pssim_pico_exit_thread_fn(PETHREAD thread);
/* On the last thread, after the process-exit notifications (PICO-11). */
typedef VOID pssim_pico_exit_process_fn(PEPROCESS process);
/* On the faulting thread; TRUE = handled, the thread goes on (PICO-9). chance is 1,
 * previous_mode UserMode. */
typedef BOOLEAN pssim_pico_dispatch_exception_fn(pssim_pico_exception *exception, ULONG chance,
                                                 KPROCESSOR_MODE previous_mode);

/* What the provider gives the machine, in the order of PS_PICO_PROVIDER_ROUTINES. Every
 * routine is required. */
typedef struct pssim_pico_provider_routines {
    SIZE_T size; /* sizeof(pssim_pico_provider_routines) (PICO-2) */
    pssim_pico_dispatch_system_call_fn *dispatch_system_call;
    pssim_pico_exit_thread_fn *exit_thread;
    pssim_pico_exit_process_fn *exit_process;
    pssim_pico_dispatch_exception_fn *dispatch_exception;
} pssim_pico_provider_routines;

/* A subsystem process the provider creates, without a thread (PICO-5). */
typedef struct pssim_pico_process_attributes {
    const char *image_path;     /* UTF-8 Linux path ("/bin/sh"); required */
    const char *command_line;   /* NUL-separated arguments, or NULL */
    size_t command_line_length; /* bytes of command_line (0 = strlen) */
    HANDLE parent_pid;          /* NULL = the calling thread's process */
    PVOID context;              /* the provider's context of the process (PICO-4) */
} pssim_pico_process_attributes;

/* A thread of a subsystem process, created ready to run its body (PICO-5). */
typedef struct pssim_pico_thread_attributes {
    HANDLE pid;            /* a subsystem process */
    PKSTART_ROUTINE start; /* the thread's user-mode program; returning ends the thread */
    PVOID start_context;
    PVOID context; /* the provider's context of the thread (PICO-4) */
} pssim_pico_thread_attributes;

/* What the machine gives the provider (PS_PICO_ROUTINES, the part pssim models). */
typedef struct pssim_pico_routines {
    SIZE_T size; /* the provider sets sizeof(pssim_pico_routines) before registering (PICO-2) */
    NTSTATUS (*create_process)(const pssim_pico_process_attributes *attributes, HANDLE *pid);
    NTSTATUS (*create_thread)(const pssim_pico_thread_attributes *attributes, HANDLE *tid);
    PVOID (*get_process_context)(PEPROCESS process); /* NULL for non-pico objects */
    PVOID (*get_thread_context)(PETHREAD thread);
    /* Ends a thread of a subsystem process; the calling thread itself: does not return. */
    NTSTATUS (*terminate_thread)(PETHREAD thread, NTSTATUS exit_status);
    /* Ends every thread of a subsystem process; the caller's own: does not return. */
    NTSTATUS (*terminate_process)(PEPROCESS process, NTSTATUS exit_status);
    /* pssim additions (Windows fixes the contexts at creation): adopt a subsystem process or
     * thread made with pssim_process_create / pssim_thread_start (PICO-4). */
    NTSTATUS (*set_process_context)(PEPROCESS process, PVOID context);
    NTSTATUS (*set_thread_context)(PETHREAD thread, PVOID context);
} pssim_pico_routines;

/* Registers `provider` as the machine's one pico provider and fills *kernel_routines (PICO-1,
 * -2, -3). m NULL: the machine in force (for a call from DriverEntry). STATUS_TOO_LATE once a
 * provider is registered or a process has been created; STATUS_INFO_LENGTH_MISMATCH for a wrong
 * size; INVALID_PARAMETER for NULL or a driver that is not loaded. */
PSSIM_API NTSTATUS pssim_pico_provider_register(
    pssim_machine *m, PDRIVER_OBJECT provider,
    const pssim_pico_provider_routines *provider_routines, pssim_pico_routines *kernel_routines);
/* From the body of a thread of a subsystem process: a system call, dispatched to the provider
 * on this thread; *result is what it stored (PICO-6, -7, -8). INVALID_SYSTEM_SERVICE on a
 * thread of a Win32 process, NOT_SUPPORTED when no provider is registered. */
PSSIM_API NTSTATUS pssim_pico_syscall(ULONG_PTR number, const ULONG_PTR args[6] /* NULL = 0s */,
                                      ULONG_PTR *result);
/* From the body of a thread of a subsystem process: a user-mode exception, dispatched to the
 * provider on this thread. STATUS_SUCCESS when it handled it; when it did not, the process is
 * terminated with `code` and the call does not return (PICO-9, -10). */
PSSIM_API NTSTATUS pssim_pico_raise_exception(NTSTATUS code, PVOID address, ULONG parameter_count,
                                              const ULONG_PTR *parameters);

#ifdef __cplusplus
}
#endif

#endif /* PSSIM_PSSIM_H */
