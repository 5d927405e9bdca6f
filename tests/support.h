/* support.h: shared helpers for the CMocka suites: an event recorder for notify routines. */
#ifndef PSSIM_TESTS_SUPPORT_H
#define PSSIM_TESTS_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pssim/pssim.h>
#include <pssim/wdk/ntifs.h>

/* One notify call as a routine saw it. */
typedef struct rec_event {
    char kind[24];           /* "proc", "procex", "procex2", "thread", "image", ... */
    HANDLE pid, tid;         /* ProcessId / ThreadId arguments */
    HANDLE parent;           /* ParentId (plain) or CreateInfo->ParentProcessId */
    int create;              /* 1 create, 0 exit */
    HANDLE cur_pid, cur_tid; /* PsGetCurrentProcessId / PsGetCurrentThreadId inside */
    KIRQL irql;
    BOOLEAN apcs_disabled;
    BOOLEAN all_apcs_disabled;
    CLIENT_ID creating;
    ULONG flags; /* CreateInfo->Flags or IMAGE_INFO.Properties */
    int has_cmdline;
    char image[160]; /* UTF-8 of the image name seen (ASCII only here) */
    void *file_object;
    ULONG_PTR image_base;
    SIZE_T image_size;
    int slot_tag;             /* which test routine (for order checks) */
    NTSTATUS creation_status; /* CreateInfo->CreationStatus as the routine found it */
} rec_event;

#define REC_MAX 256
extern rec_event rec_log[REC_MAX];
extern int rec_count;

static inline void rec_reset(void)
{
    rec_count = 0;
    memset(rec_log, 0, sizeof(rec_log));
}

static inline rec_event *rec_add(const char *kind)
{
    if (rec_count >= REC_MAX)
        return &rec_log[REC_MAX - 1];
    rec_event *e = &rec_log[rec_count++];
    snprintf(e->kind, sizeof(e->kind), "%s", kind);
    e->cur_pid = PsGetCurrentProcessId();
    e->cur_tid = PsGetCurrentThreadId();
    e->irql = KeGetCurrentIrql();
    e->apcs_disabled = KeAreApcsDisabled();
    e->all_apcs_disabled = KeAreAllApcsDisabled();
    return e;
}

static inline void rec_copy_name(rec_event *e, PCUNICODE_STRING s)
{
    size_t n = 0;
    if (s && s->Buffer) {
        for (size_t i = 0; i < s->Length / sizeof(WCHAR) && n + 1 < sizeof(e->image); i++)
            e->image[n++] = s->Buffer[i] ? (char)s->Buffer[i] : '|';
    }
    e->image[n] = 0;
}

/* Index of the first event of `kind` at or after `from`, or -1. */
static inline int rec_find(const char *kind, int from)
{
    for (int i = from; i < rec_count; i++)
        if (strcmp(rec_log[i].kind, kind) == 0)
            return i;
    return -1;
}

static inline int rec_count_kind(const char *kind)
{
    int n = 0;
    for (int i = 0; i < rec_count; i++)
        if (strcmp(rec_log[i].kind, kind) == 0)
            n++;
    return n;
}

/* A machine with default config, for setup/teardown. */
static inline pssim_machine *new_machine(void)
{
    pssim_machine *m = NULL;
    assert_int_equal(pssim_machine_create(NULL, &m), STATUS_SUCCESS);
    assert_non_null(m);
    rec_reset();
    return m;
}

static inline NTSTATUS spawn(pssim_machine *m, const char *image, HANDLE *pid, HANDLE *tid)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = image;
    return pssim_process_create(m, &p, pid, tid);
}

/* The WDK passes Ex2 and thread-Ex routines as PVOID; drivers write (PVOID)Routine, which ISO C
 * calls a function-to-object conversion. The suites build with -Wpedantic, so they convert here. */
#define AS_PVOID(f) as_pvoid((void (*)(void))(f))
static inline PVOID as_pvoid(void (*f)(void))
{
    PVOID p;
    memcpy(&p, &f, sizeof(p));
    return p;
}

/* ThreadSanitizer supports only the OS-threads backend (docs/platform.md); suites that run
 * threads use this backend by default and skip fiber-only runs under it. */
#if defined(__SANITIZE_THREAD__)
#define PSSIM_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PSSIM_TEST_UNDER_TSAN 1
#endif
#endif
#ifndef PSSIM_TEST_UNDER_TSAN
#define PSSIM_TEST_UNDER_TSAN 0
#endif
/* Suites that run every test on both backends keep the current group's backend here; the
 * group setups set it and TEST_RUN_ON_BOTH_BACKENDS runs the groups. */
static inline int *test_group_backend_slot(void)
{
    static int backend = PSSIM_BACKEND_FIBERS;
    return &backend;
}
#define test_backend (*test_group_backend_slot())

static inline int test_use_fibers(void **state)
{
    (void)state;
    test_backend = PSSIM_BACKEND_FIBERS;
    return 0;
}

static inline int test_use_threads(void **state)
{
    (void)state;
    test_backend = PSSIM_BACKEND_THREADS;
    return 0;
}

/* The failures of `tests` run once on fibers (not under TSan, which cannot follow a fiber
 * switch) and once on OS threads. */
#define TEST_RUN_ON_BOTH_BACKENDS(tests)                                                           \
    ((PSSIM_TEST_UNDER_TSAN                                                                        \
          ? 0                                                                                      \
          : cmocka_run_group_tests_name("fibers", tests, test_use_fibers, NULL)) +                 \
     cmocka_run_group_tests_name("threads", tests, test_use_threads, NULL))

/* The backend of the suites' machines: fibers, or OS threads under TSan or when the environment
 * says PSSIM_TEST_BACKEND=threads (tools/test-windows.sh runs those suites once more that way). */
static inline int test_default_backend(void)
{
    const char *backend = getenv("PSSIM_TEST_BACKEND");
    if (PSSIM_TEST_UNDER_TSAN || (backend && strcmp(backend, "threads") == 0))
        return PSSIM_BACKEND_THREADS;
    return PSSIM_BACKEND_FIBERS;
}

/* A machine for timing tests: `cpus` processors, the given backend, and Ps events that cost no
 * virtual time, so schedules have exact known answers. */
static inline pssim_machine *new_timed_machine(uint32_t cpus, int backend)
{
    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.cpu_count = cpus;
    cfg.backend = backend;
    cfg.event_cost_ns = 0;
    pssim_machine *m = NULL;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_SUCCESS);
    return m;
}

#define REC_DEFINE_STORAGE                                                                         \
    rec_event rec_log[REC_MAX];                                                                    \
    int rec_count

#endif
