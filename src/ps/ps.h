/* ps.h: process and thread objects, notify-routine tables and the Psp internals (sections 1-5). */
#ifndef PSSIM_PS_PS_H
#define PSSIM_PS_PS_H

#include <stdbool.h>
#include <stdint.h>

#include <pssim/pssim.h>

#include "ob/ob.h"

struct pssim_driver;

/* ---- process and thread objects ---- */

struct _KPROCESS {
    struct pssim_machine *machine;
    HANDLE pid;
    HANDLE parent_pid; /* InheritedFromUniqueProcessId, captured at creation (QUERY-11) */
    LIST_ENTRY machine_link;
    LIST_ENTRY thread_list; /* every thread object not yet deleted, in creation order */
    uint32_t live_threads;  /* threads inserted and not yet exited */
    uint32_t threads_ever;  /* threads ever inserted (PROC-NOTIFY-1: the first triggers create) */
    pssim_subsystem subsystem;
    NTSTATUS exit_status; /* STATUS_PENDING while alive (PSAPI-6, QUERY-10) */
    LONGLONG create_time; /* 100 ns since 1601 (PSAPI-7) */
    LONGLONG exit_time;
    uint64_t sequence_number;
    KPRIORITY base_priority;
    KAFFINITY affinity;
    bool inserted, exiting, exited, create_notified, denied;
    bool is_system, is_host, is_idle;
    bool file_open_name_available;
    UNICODE_STRING image_name;   /* NT path as given (ProcessImageFileName, ImageFileName) */
    UNICODE_STRING command_line; /* Buffer NULL = none */
    char image_file_name[15];    /* ANSI base name, at most 14 characters (PSAPI-8) */
    uint64_t image_base, image_size;
    PFILE_OBJECT image_file; /* created when a routine first needs it */
    HANDLE_TABLE handles;
    PVOID peb; /* a stand-in address for Win32 processes; NULL for subsystem ones (QUERY-9) */
};

struct _KTHREAD {
    /* Fields are grouped by size so the object stays small (bench/: <= 512 bytes a thread). */
    struct pssim_machine *machine;
    PEPROCESS process; /* referenced for the thread's lifetime */
    HANDLE tid;
    LIST_ENTRY process_link;
    LONGLONG create_time;
    LONGLONG exit_time;
    KAFFINITY affinity;
    struct pssim_driver *current_driver; /* owner of the code now running on this thread */
    PVOID teb; /* stand-in address for user threads; NULL for system/subsystem ones */
    PVOID start_address;
    /* Waiters on the thread object itself (signaled once terminated, SYSTHREAD-11). */
    LIST_ENTRY waiters;

    /* Execution (threads with bodies; src/ke). Puppets and the host have no context. */
    struct pssim_context *context;
    PKSTART_ROUTINE start_routine;
    PVOID start_context;
    uint64_t quantum_left_ns;
    uint64_t work_left_ns;   /* pssim_cpu_work still to do */
    LIST_ENTRY ready_link;   /* in a processor's ready list */
    uint64_t ready_since_ns; /* when it joined a ready list (starvation relief) */
    KAFFINITY user_affinity; /* restored by KeRevertToUserAffinityThreadEx(0) */

    /* A wait in progress: one wait block per object, the thread's own for one object, an
     * array allocated on first use for up to THREAD_WAIT_OBJECTS, or the caller's; a delay
     * waits on no object. */
    KWAIT_BLOCK own_wait_block;
    struct KI_THREAD_EXTRA *extra; /* rarely needed state, allocated on first use (ke.h) */
    PKWAIT_BLOCK wait_blocks;
    uint64_t wait_due_ns;
    LIST_ENTRY timer_link; /* in the dispatcher's timer list, ordered by due time */
    uint64_t wait_since_ns;
    PEX_PUSH_LOCK push_locks_exclusive[2]; /* push locks this thread holds exclusive */
    struct pssim_verifier_call *vframe;    /* the driver routine it runs (verifier.h) */

    NTSTATUS exit_status;
    KPRIORITY priority, base_priority;
    uint32_t processor; /* the processor it runs on, or ran on last */
    uint32_t ideal_processor;
    uint32_t stack_size;
    ULONG wait_count;
    NTSTATUS wait_status;
    uint32_t mutexes_owned;   /* KMUTEXes held (SYNC-6: none may be held at exit) */
    uint32_t spin_locks_held; /* KSPIN_LOCKs held (SYNC-8) */
    uint32_t push_locks_exclusive_count;
    uint32_t kernel_calls;     /* entries into the simulated kernel while running its body */
    uint32_t kernel_debt_ns;   /* their cost not yet charged (at the next scheduling point) */
    SHORT kernel_apc_disable;  /* KeEnterCriticalRegion depth */
    SHORT special_apc_disable; /* KeEnterGuardedRegion depth */
    KIRQL irql;
    KPROCESSOR_MODE previous_mode;
    UCHAR state;           /* KTHREAD_STATE (7.2) */
    UCHAR wait_reason;     /* KWAIT_REASON */
    UCHAR wait_mode;       /* KPROCESSOR_MODE of the wait in progress or being entered */
    UCHAR queued_priority; /* the ready list it is on (src/ke) */
    /* Flags, one bit each: the thread object stays within its memory budget (bench/). */
    bool wait_alertable : 1;
    bool inserted : 1;
    bool terminating : 1;
    bool terminated : 1;
    bool system : 1;      /* PsCreateSystemThread or a thread of the System process (PSAPI-4) */
    bool puppet : 1;      /* never runs a body */
    bool host : 1;        /* the adopted caller */
    bool in_work : 1;     /* occupied by pssim_cpu_work until work_left_ns reaches 0 */
    bool exited_body : 1; /* its body has ended; the context is switched away for good */
    bool relief : 1;      /* priority 15 for one quantum from the balance-set manager */
    bool system_affinity_set : 1;
    bool waiting : 1;
    bool wait_timer_armed : 1;
    bool worker : 1;      /* one of the machine's system worker threads */
    bool worker_idle : 1; /* waiting for work (never reported as deadlocked) */
};

/* ---- notify tables (PROC-REG-2, THREAD-REG-2, IMAGE-REG-1) ---- */

#define PSP_MAX_NOTIFY 64

typedef enum PSP_NOTIFY_FLAVOUR {
    /* Process flavours as Windows stores them (PROC-REG-9): plain 0, Ex 2, Ex2 6. */
    PSP_PROCESS_PLAIN = 0,
    PSP_PROCESS_EX = 2,
    PSP_PROCESS_EX2 = 6,
    PSP_THREAD_PLAIN = 10,
    PSP_THREAD_NONSYSTEM = 11,
    PSP_THREAD_SUBSYSTEMS = 12,
    PSP_IMAGE_PLAIN = 20,
    PSP_IMAGE_EX = 21
} PSP_NOTIFY_FLAVOUR;

typedef struct PSP_NOTIFY_SLOT {
    void (*routine)(void);      /* NULL = free */
    struct pssim_driver *owner; /* NULL = the host image */
    uint8_t flavour;            /* PSP_NOTIFY_FLAVOUR */
    ULONG_PTR flags;            /* PsSetLoadImageNotifyRoutineEx flags */
    uint32_t active;            /* invocations in flight (rundown count) */
    bool removing;              /* removal waits for `active` to drain */
    KEVENT drained;             /* signaled when the last invocation of a removed block ends */
} PSP_NOTIFY_SLOT;

typedef struct PSP_NOTIFY_TABLE {
    const char *what;                       /* "process", "thread", "image" */
    const char *kind;                       /* "process-notify routine", ... (verifier) */
    PSP_NOTIFY_SLOT *slots[PSP_MAX_NOTIFY]; /* callback blocks; NULL = free slot */
    uint32_t used;
    uint32_t limit; /* one past the highest slot in use: loops stop there */
} PSP_NOTIFY_TABLE;

/* ---- internal Ps operations ---- */

/* Creates a process object (not yet inserted). image_path UTF-8. */
NTSTATUS PspCreateProcessObject(struct pssim_machine *m, const pssim_process_params *p,
                                PEPROCESS parent, PEPROCESS *out);
/* Creates and inserts a thread in `process` (CID visible). */
NTSTATUS PspCreateThreadObject(struct pssim_machine *m, PEPROCESS process, bool system,
                               PETHREAD *out);
/* The full create path of Appendix A for a new thread (first thread: process notifications
 * too), on the current thread. Returns the denial status when a routine denied. */
NTSTATUS PspInsertThreadAndNotify(struct pssim_machine *m, PETHREAD thread);
/* A system worker thread of the machine (not counted as a thread a run waits for). */
NTSTATUS PspCreateSystemWorker(struct pssim_machine *m, PKSTART_ROUTINE start, PVOID context,
                               KPRIORITY priority, PETHREAD *out);
/* Appendix A step 5 on the new thread: first-thread image loads, NonSystem create routines. */
void PspThreadStartup(PETHREAD t);
/* Exit path of a thread on its own context (THREAD-NOTIFY-2, PROC-NOTIFY-10). */
void PspExitThread(struct pssim_machine *m, PETHREAD thread, NTSTATUS status);
/* Process exit without threads (PROC-NOTIFY-12). */
void PspExitThreadlessProcess(struct pssim_machine *m, PEPROCESS process, NTSTATUS status);
/* Ends the thread whose body is running now (the current thread), as its return would. Does
 * not return. */
void PspEndRunningThread(struct pssim_machine *m, NTSTATUS status);

/* ---- subsystem (pico) providers (pico.c, docs/pico.md) ---- */

/* PICO-11: the provider's exit_thread / exit_process, on the current thread; no-ops for Win32
 * objects or without a provider. */
void PspPicoThreadExit(struct pssim_machine *m, PETHREAD thread);
void PspPicoProcessExit(struct pssim_machine *m, PEPROCESS process);
/* PICO-4: drops the provider context of a subsystem object being deleted. */
void PspPicoForget(struct pssim_machine *m, const void *object);
void PspPicoFree(struct pssim_machine *m);

void PspNotifyTablesInit(struct pssim_machine *m);
/* The notify routines drv still has registered, as "PsSetXxx routine, ..." into buf; returns
 * how many (the verifier's unload check). */
uint32_t PspDescribeRoutinesOf(struct pssim_machine *m, const struct pssim_driver *drv, char *buf,
                               size_t size);
void PspFreeNotifyTables(struct pssim_machine *m);
void PspCallProcessNotifyRoutines(struct pssim_machine *m, PEPROCESS process, PETHREAD creator,
                                  bool create, NTSTATUS *creation_status);
void PspCallThreadNotifyRoutines(struct pssim_machine *m, PETHREAD thread, bool create,
                                 bool on_new_thread);
/* `file_cache`: where the image's file object may already be kept (the EXE's in its process,
 * created when a process routine needed CreateInfo->FileObject; ntdll's in the machine). When
 * it is empty, a new file object is stored there if `keep_new`, else it lives for this call. */
void PspCallImageNotifyRoutines(struct pssim_machine *m, PUNICODE_STRING name, HANDLE pid,
                                uint64_t base, uint64_t size, bool kernel, PFILE_OBJECT *file_cache,
                                bool keep_new);
/* Names the first slot owned by `driver` (for the unload report); false when none. */
bool PspFindRegistrationOf(struct pssim_machine *m, struct pssim_driver *driver, const char **what,
                           void (**routine)(void));

/* Runs `fn(ctx)` with `thread` as the current thread, as a context switch would. */
void PspRunOnThread(struct pssim_machine *m, PETHREAD thread, void (*fn)(void *), void *ctx);

/* Lookups by ID on machine m, with a reference (caller dereferences). */
PEPROCESS PspLookupProcess(struct pssim_machine *m, HANDLE pid);
PETHREAD PspLookupThread(struct pssim_machine *m, HANDLE tid);

/* UTF-8 to a pool-free UNICODE_STRING owned by the simulator (pssim__alloc). */
bool PspMakeUnicodeString(const char *utf8, size_t len, UNICODE_STRING *out);
void PspFreeUnicodeString(UNICODE_STRING *s);
bool PspIsValidUtf8(const char *s); /* false for NULL or malformed UTF-8 */
/* SCHED-3: the base priority of a process priority class, and a thread's base from its class
 * base and relative level. */
KPRIORITY PspClassBasePriority(uint32_t priority_class);
KPRIORITY PspRelativePriority(KPRIORITY class_base, int relative);

/* A FILE_OBJECT naming an image (for CreateInfo->FileObject and IMAGE_INFO_EX). */
PFILE_OBJECT IopCreateImageFileObject(struct pssim_machine *m, const UNICODE_STRING *name);

#endif
