/* machine.h: one simulated computer and the helpers every subsystem uses to reach it. */
#ifndef PSSIM_CORE_MACHINE_H
#define PSSIM_CORE_MACHINE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include <pssim/pssim.h>

#include "ex/pool.h"
#include "ps/cid_table.h"
#include "ps/ps.h"
#include "trace/trace.h"

#define PSSIM_DEBUG_LOG_SIZE 65536
#define PSSIM_OBJECT_CACHE_CLASSES 128 /* 16-byte classes: objects up to 2 KiB */
#define PSSIM_OBJECT_CACHE_DEPTH 256

/* A loaded driver (or the host image, which owns what the test registers directly). */
typedef struct pssim_driver {
    struct pssim_machine *machine;
    PDRIVER_OBJECT object; /* NULL for the host image */
    char name[64];
    uint32_t flags; /* PSSIM_DRIVER_* */
    bool unloaded;
    LIST_ENTRY link;
    UNICODE_STRING registry_path;
    DRIVER_EXTENSION extension;
} pssim_driver;

struct pssim_machine {
    pssim_config cfg;

    /* Bug check state: once set, the machine is stopped (BUGCHECK-1, api-contract). */
    bool bugchecked;
    pssim_bugcheck bugcheck;
    jmp_buf *landing; /* where a bug check inside a control call unwinds to */

    /* Objects. */
    LIST_ENTRY all_objects;
    uint32_t live_processes, live_threads;
    struct pssim_ptr_set *live_set; /* addresses of live objects (OB-3 detection) */
    /* Freed object memory is held back for a while so that a stale pointer is not handed a
     * new object at the same address before the stale use is detected. */
    void *quarantine[64];
    uint32_t quarantine_next;
    /* Memory leaving the quarantine is kept for reuse, per 64-byte size class, so that the
     * process lifecycle does not go to the host heap every time (bench/). */
    void *object_cache[PSSIM_OBJECT_CACHE_CLASSES];
    uint32_t object_cache_count[PSSIM_OBJECT_CACHE_CLASSES];
    PSP_CID_TABLE cid;
    LIST_ENTRY process_list;
    PEPROCESS idle_process, system_process, host_process;
    PETHREAD idle_thread, system_thread, host_thread;
    PETHREAD current_thread; /* the simulated thread now executing */
    HANDLE_TABLE kernel_handles;
    uint64_t next_sequence_number;
    uint64_t boot_id;

    /* Notify registries. */
    PSP_NOTIFY_TABLE process_notify, thread_notify, image_notify;

    /* Drivers. */
    LIST_ENTRY drivers;
    pssim_driver host_image;

    /* Pool. */
    pssim_pool pool;

    /* Strings that live as long as the machine or one control call (freed even when a bug
     * check unwinds the call). */
    UNICODE_STRING ntdll_name;
    PFILE_OBJECT ntdll_file; /* the machine's reference; freed with the machine's objects */
    UNICODE_STRING scratch_name;

    /* DbgPrint output: the most recent PSSIM_DEBUG_LOG_SIZE bytes, NUL-terminated. */
    char *debug_log;
    size_t debug_log_len;

    /* System worker threads and their queues (src/ex/work.c), created on first use. */
    struct EX_WORK_QUEUES *work;

    /* Every push-lock release wakes every push-lock waiter, who then re-check (src/ex). */
    KEVENT push_lock_released;
    bool push_lock_event_ready;

    /* The event stream (src/trace). */
    pssim_trace_buffer trace;

    /* The dispatcher (src/ke), created when the first thread with a body starts. */
    struct KI_DISPATCHER *ke;

    /* Virtual time, nanoseconds since boot. */
    uint64_t now_ns;

    /* The machines created by one OS thread form a stack (api-contract: "the last one it
     * created that is still alive" is in force). */
    struct pssim_machine *created_before;
};

/* The machine in force on this OS thread (NULL when none). */
pssim_machine *pssim__current_machine(void);
/* Binds the calling OS thread to m for good: used by the OS-threads backend, where each
 * simulated thread runs on an OS thread of its own. */
void pssim__bind_os_thread(pssim_machine *m);

/* Runs body(m, arg) as a control call: refuses a stopped machine, and turns a bug check raised
 * anywhere inside into PSSIM_STATUS_BUGCHECK. */
NTSTATUS pssim__control_call(pssim_machine *m, NTSTATUS (*body)(pssim_machine *, void *),
                             void *arg);

/* Stops the machine with a bug check. Inside a control call this does not return; outside one
 * (a WDK call made directly by the test) it records the bug check and returns. */
void pssim__bugcheck(pssim_machine *m, ULONG code, ULONG_PTR p1, ULONG_PTR p2, ULONG_PTR p3,
                     ULONG_PTR p4, const char *fmt, ...);

/* Advances virtual time by one Ps event's cost. */
void pssim__advance(pssim_machine *m, uint64_t ns);
/* KeQuerySystemTime value now (100 ns since 1601). */
LONGLONG pssim__system_time(pssim_machine *m);

/* The driver that owns code now running on the current thread (host image when none). */
pssim_driver *pssim__current_driver(pssim_machine *m);
/* Calls a driver routine with `drv` as the current driver; restores afterwards. */
#define PSSIM_WITH_DRIVER(m, drv, call)                                                            \
    do {                                                                                           \
        PETHREAD pssim_t_ = (m)->current_thread;                                                   \
        pssim_driver *pssim_saved_ = pssim_t_->current_driver;                                     \
        pssim_t_->current_driver = (drv);                                                          \
        call;                                                                                      \
        pssim_t_->current_driver = pssim_saved_;                                                   \
    } while (0)

#endif
