/* procmon_test.c: the unit test a driver author writes for procmon.c with pssim and CMocka.
 *
 * Each test loads the driver into a fresh simulated machine (setup), drives processes, threads
 * and images through the control API, reads the driver's log back and checks what the driver
 * recorded against the Windows rules it relies on; the rule IDs are those of pssim's
 * docs/ps-semantics.md. Teardown unloads the driver and checks that it leaked no pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pssim/pssim.h>
#include <pssim/cmocka.h>

#include "procmon.h"

#define MAX_EVENTS (PROCMON_MAX_QUEUED_EVENTS + 16)

typedef struct fixture {
    pssim_machine *m;
    PDRIVER_OBJECT drv; /* NULL once a test unloads the driver itself */
    PROCMON_EVENT *ev;  /* the events of the last drain() */
    ULONG n;
} fixture;

/* ---- setup and teardown ---- */

static int setup_machine(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->ev = calloc(MAX_EVENTS, sizeof(PROCMON_EVENT));
    assert_non_null(f->ev);
    assert_int_equal(pssim_machine_create(NULL, &f->m), STATUS_SUCCESS);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    setup_machine(state);
    fixture *f = *state;
    /* FORCE_INTEGRITY: the image is linked with /INTEGRITYCHECK, which Ex2 needs (PROC-REG-5). */
    assert_int_equal(pssim_driver_load(f->m, ProcmonDriverEntry, "procmon",
                                       PSSIM_DRIVER_FORCE_INTEGRITY, &f->drv),
                     STATUS_SUCCESS);
    assert_non_null(f->drv);
    return 0;
}

static void print_leak(void *ctx, ULONG tag, uint64_t live_bytes, uint64_t live_blocks)
{
    (void)ctx;
    print_error("pool leak: tag '%.4s' (0x%08X): %llu bytes in %llu blocks\n", (const char *)&tag,
                (unsigned)tag, (unsigned long long)live_bytes, (unsigned long long)live_blocks);
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->drv)
        assert_int_equal(pssim_driver_unload(f->m, f->drv), STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(f->m, NULL));
    uint64_t bytes = 1, blocks = 1;
    assert_int_equal(pssim_pool_usage(f->m, PROCMON_POOL_TAG, &bytes, &blocks), STATUS_SUCCESS);
    assert_int_equal(bytes, 0);
    assert_int_equal(blocks, 0);
    assert_int_equal(pssim_pool_report_leaks(f->m, print_leak, NULL), 0);
    pssim_assert_no_verifier_reports(f->m); /* a good driver breaks no guideline */
    pssim_machine_destroy(f->m);
    free(f->ev);
    free(f);
    return 0;
}

/* ---- helpers ---- */

/* Reads every queued event into f->ev / f->n. */
static void drain(fixture *f)
{
    f->n = 0;
    assert_int_equal(ProcmonDrainEvents(f->ev, MAX_EVENTS, &f->n), STATUS_SUCCESS);
}

static NTSTATUS start_process(fixture *f, pssim_subsystem subsystem, const char *image,
                              const char *command_line, size_t command_line_length, HANDLE parent,
                              HANDLE *pid, HANDLE *tid)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = image;
    p.command_line = command_line;
    p.command_line_length = command_line_length;
    p.parent_pid = parent;
    p.subsystem = subsystem;
    return pssim_process_create(f->m, &p, pid, tid);
}

static NTSTATUS start_win32(fixture *f, const char *image, HANDLE *pid, HANDLE *tid)
{
    return start_process(f, PSSIM_SUBSYSTEM_WIN32, image, NULL, 0, NULL, pid, tid);
}

/* The event text as ASCII ('?' for anything else), for readable assertion messages. */
static const char *ascii(const WCHAR *w)
{
    static char buf[4][PROCMON_MAX_COMMAND_LINE_CHARS + PROCMON_MAX_NAME_CHARS];
    static int next;
    char *out = buf[next++ % 4];
    size_t i = 0;
    for (; w[i] && i + 1 < sizeof(buf[0]); i++)
        out[i] = (w[i] > 0 && w[i] < 0x80) ? (char)w[i] : '?';
    out[i] = 0;
    return out;
}

static int count_type(const fixture *f, PROCMON_EVENT_TYPE type)
{
    int n = 0;
    for (ULONG i = 0; i < f->n; i++)
        if (f->ev[i].Type == type)
            n++;
    return n;
}

#define ID(h) HandleToULong(h)

/* ---- tests ---- */

/* PROC-NOTIFY-2/5/6/16: a Win32 process creation is reported on the creating thread (the test's
 * host thread), with CreatingThreadId equal to that context and ParentProcessId the parent
 * given. PROC-NOTIFY-10: its exit is reported on its last thread, inside the process.
 * Appendix A: process create, EXE and ntdll loads, then the NonSystem thread create. */
static void test_win32_process_create_and_exit(void **state)
{
    fixture *f = *state;
    HANDLE explorer, notepad, notepad_tid;
    assert_int_equal(
        start_win32(f, "\\Device\\HarddiskVolume2\\Windows\\explorer.exe", &explorer, NULL),
        STATUS_SUCCESS);
    drain(f);
    const char *cmd = "notepad.exe C:\\notes\\todo.txt";
    assert_int_equal(start_process(f, PSSIM_SUBSYSTEM_WIN32,
                                   "\\Device\\HarddiskVolume2\\Windows\\notepad.exe", cmd, 0,
                                   explorer, &notepad, &notepad_tid),
                     STATUS_SUCCESS);
    drain(f);
    assert_int_equal(f->n, 4);
    assert_int_equal(f->ev[0].Type, ProcmonProcessCreate);
    assert_int_equal(f->ev[1].Type, ProcmonImageLoad);
    assert_int_equal(f->ev[2].Type, ProcmonImageLoad);
    assert_int_equal(f->ev[3].Type, ProcmonThreadCreate);

    const PROCMON_EVENT *c = &f->ev[0];
    assert_int_equal(c->ProcessId, ID(notepad));
    assert_int_equal(c->ParentProcessId, ID(explorer));
    assert_int_equal(c->CurrentProcessId, ID(pssim_host_pid(f->m)));
    assert_int_equal(c->CurrentThreadId, ID(pssim_host_tid(f->m)));
    assert_ptr_equal(c->CreatingThreadId.UniqueProcess, pssim_host_pid(f->m));
    assert_ptr_equal(c->CreatingThreadId.UniqueThread, pssim_host_tid(f->m));
    assert_int_equal(c->Status, STATUS_SUCCESS);
    assert_int_equal(c->Flags & (PROCMON_FLAG_SUBSYSTEM_PROCESS | PROCMON_FLAG_DENIED), 0);
    assert_string_equal(ascii(c->ImageName), "\\Device\\HarddiskVolume2\\Windows\\notepad.exe");
    assert_int_equal(c->ImageNameLength, wcslen(c->ImageName) * sizeof(WCHAR));
    assert_string_equal(ascii(c->CommandLine), cmd);
    assert_int_equal(c->CommandLineLength, strlen(cmd) * sizeof(WCHAR));

    for (ULONG i = 1; i < f->n; i++) {
        assert_int_equal(f->ev[i].Sequence, f->ev[i - 1].Sequence + 1);
        assert_true(f->ev[i].Timestamp.QuadPart >= f->ev[i - 1].Timestamp.QuadPart);
    }

    assert_int_equal(pssim_process_terminate(f->m, notepad, 0x2A), STATUS_SUCCESS);
    drain(f);
    /* THREAD-NOTIFY-9: the last thread's exit comes before the process exit. */
    assert_int_equal(f->n, 2);
    assert_int_equal(f->ev[0].Type, ProcmonThreadExit);
    assert_int_equal(f->ev[0].ThreadId, ID(notepad_tid));
    assert_int_equal(f->ev[1].Type, ProcmonProcessExit);
    assert_int_equal(f->ev[1].ProcessId, ID(notepad));
    assert_int_equal(f->ev[1].CurrentProcessId, ID(notepad));
    assert_int_equal(f->ev[1].CurrentThreadId, ID(notepad_tid));
    assert_int_equal(f->ev[1].Status, 0x2A);
}

/* PROC-NOTIFY-7: storing STATUS_ACCESS_DENIED in CreationStatus stops the creation and the
 * creator's call fails with it. PROC-NOTIFY-11 and Appendix A (denied create): the initial
 * thread's exit and the process exit still arrive; no image load and no NonSystem thread
 * create do. The match is case-insensitive and needs the whole name "\blocked.exe". */
static void test_blocked_image_is_denied(void **state)
{
    fixture *f = *state;
    const char *image = "\\Device\\HarddiskVolume2\\Users\\student\\Downloads\\BLOCKED.EXE";
    assert_int_equal(start_win32(f, image, NULL, NULL), STATUS_ACCESS_DENIED);
    drain(f);
    assert_int_equal(f->ev[0].Type, ProcmonProcessCreate);
    assert_true(f->ev[0].Flags & PROCMON_FLAG_DENIED);
    assert_int_equal(f->ev[0].Status, STATUS_ACCESS_DENIED);
    assert_string_equal(ascii(f->ev[0].ImageName), image);
    assert_int_equal(count_type(f, ProcmonImageLoad), 0);
    assert_int_equal(count_type(f, ProcmonThreadCreate), 0);
    assert_int_equal(count_type(f, ProcmonThreadExit), 1);
    assert_int_equal(count_type(f, ProcmonProcessExit), 1);
    const PROCMON_EVENT *last = &f->ev[f->n - 1];
    assert_int_equal(last->Type, ProcmonProcessExit);
    assert_int_equal(last->ProcessId, f->ev[0].ProcessId);
    assert_int_equal(last->Status, STATUS_ACCESS_DENIED);

    /* Only the exact file name is blocked. */
    HANDLE pid;
    assert_int_equal(start_win32(f, "\\Device\\HarddiskVolume2\\Tools\\unblocked.exe", &pid, NULL),
                     STATUS_SUCCESS);
    drain(f);
    assert_int_equal(f->ev[0].Type, ProcmonProcessCreate);
    assert_int_equal(f->ev[0].Flags & PROCMON_FLAG_DENIED, 0);
    assert_int_equal(pssim_process_terminate(f->m, pid, STATUS_SUCCESS), STATUS_SUCCESS);
}

/* PROC-NOTIFY-14/15: an Ex2 routine sees WSL processes, with IsSubsystemProcess set, the Linux
 * path as ImageFileName and a NUL-separated command line (shown with spaces; trailing NULs
 * are terminators), or a NULL command line. THREAD-NOTIFY-7: NonSystem thread routines never
 * see pico threads; no image load at WSL process creation (api-contract). */
static void test_wsl_process(void **state)
{
    fixture *f = *state;
    HANDLE bash, ls, echo;
    assert_int_equal(
        start_process(f, PSSIM_SUBSYSTEM_WSL, "/usr/bin/bash", NULL, 0, NULL, &bash, NULL),
        STATUS_SUCCESS);
    drain(f);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->ev[0].Type, ProcmonProcessCreate);
    assert_true(f->ev[0].Flags & PROCMON_FLAG_SUBSYSTEM_PROCESS);
    assert_true(f->ev[0].Flags & PROCMON_FLAG_NO_COMMAND_LINE);
    assert_int_equal(f->ev[0].CommandLineLength, 0);
    assert_string_equal(ascii(f->ev[0].ImageName), "/usr/bin/bash");

    static const char ls_cmd[] = "/bin/ls\0-l"; /* two arguments, NUL-separated */
    assert_int_equal(start_process(f, PSSIM_SUBSYSTEM_WSL, "/bin/ls", ls_cmd, sizeof(ls_cmd) - 1,
                                   bash, &ls, NULL),
                     STATUS_SUCCESS);
    drain(f);
    assert_int_equal(f->n, 1);
    const PROCMON_EVENT *c = &f->ev[0];
    assert_int_equal(c->ProcessId, ID(ls));
    assert_int_equal(c->ParentProcessId, ID(bash));
    assert_true(c->Flags & PROCMON_FLAG_SUBSYSTEM_PROCESS);
    assert_int_equal(c->Flags & PROCMON_FLAG_NO_COMMAND_LINE, 0);
    assert_string_equal(ascii(c->CommandLine), "/bin/ls -l");
    assert_int_equal(c->CommandLineLength, 10 * sizeof(WCHAR));
    assert_string_equal(ascii(c->ImageName), "/bin/ls");

    static const char echo_cmd[] = "/bin/echo\0hi\0"; /* every argument NUL-terminated */
    assert_int_equal(start_process(f, PSSIM_SUBSYSTEM_WSL, "/bin/echo", echo_cmd,
                                   sizeof(echo_cmd) - 1, bash, &echo, NULL),
                     STATUS_SUCCESS);
    drain(f);
    assert_int_equal(f->n, 1);
    assert_string_equal(ascii(f->ev[0].CommandLine), "/bin/echo hi");
    assert_int_equal(f->ev[0].CommandLineLength, 12 * sizeof(WCHAR));

    /* PROC-NOTIFY-14: the exit reaches Ex2 routines too; no thread exit (THREAD-NOTIFY-7). */
    assert_int_equal(pssim_process_terminate(f->m, ls, 0), STATUS_SUCCESS);
    drain(f);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->ev[0].Type, ProcmonProcessExit);
    assert_int_equal(f->ev[0].ProcessId, ID(ls));
    assert_int_equal(pssim_process_terminate(f->m, echo, 0), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(f->m, bash, 0), STATUS_SUCCESS);
}

/* THREAD-NOTIFY-5: a NonSystem routine is called for a new thread on that thread itself, so
 * PsGetCurrentThreadId() == ThreadId, also for a thread created from another process.
 * THREAD-NOTIFY-2: a thread's exit is reported on the exiting thread. */
static void test_thread_create_runs_on_new_thread(void **state)
{
    fixture *f = *state;
    HANDLE pid, t1, t2;
    assert_int_equal(start_win32(f, "\\Device\\HarddiskVolume2\\apps\\worker.exe", &pid, &t1),
                     STATUS_SUCCESS);
    drain(f);
    assert_int_equal(count_type(f, ProcmonThreadCreate), 1);
    const PROCMON_EVENT *first = &f->ev[f->n - 1];
    assert_int_equal(first->Type, ProcmonThreadCreate);
    assert_int_equal(first->ThreadId, ID(t1));
    assert_int_equal(first->CurrentThreadId, ID(t1));
    assert_int_equal(first->CurrentProcessId, ID(pid));

    assert_int_equal(pssim_thread_create(f->m, pid, &t2), STATUS_SUCCESS); /* from the host */
    drain(f);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->ev[0].Type, ProcmonThreadCreate);
    assert_int_equal(f->ev[0].ProcessId, ID(pid));
    assert_int_equal(f->ev[0].ThreadId, ID(t2));
    assert_int_equal(f->ev[0].CurrentThreadId, ID(t2));
    assert_int_equal(f->ev[0].CurrentProcessId, ID(pid));

    assert_int_equal(pssim_thread_exit(f->m, t2, STATUS_SUCCESS), STATUS_SUCCESS);
    drain(f);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->ev[0].Type, ProcmonThreadExit);
    assert_int_equal(f->ev[0].ThreadId, ID(t2));
    assert_int_equal(f->ev[0].CurrentThreadId, ID(t2));
    assert_int_equal(pssim_process_terminate(f->m, pid, STATUS_SUCCESS), STATUS_SUCCESS);
}

/* IMAGE-NOTIFY-5: the EXE, then ntdll, in the new process on its first thread, after the
 * process create and before the NonSystem thread create. IMAGE-NOTIFY-4: a DLL load names the
 * process it maps into. IMAGE-NOTIFY-3: a driver image has ProcessId 0 and SystemModeImage. */
static void test_image_loads_exe_then_ntdll(void **state)
{
    fixture *f = *state;
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\Device\\HarddiskVolume2\\apps\\viewer.exe";
    p.image_base = 0x00007FF712340000ULL;
    p.image_size = 0x23000;
    HANDLE pid, tid;
    assert_int_equal(pssim_process_create(f->m, &p, &pid, &tid), STATUS_SUCCESS);
    drain(f);
    assert_int_equal(f->n, 4);
    assert_int_equal(f->ev[0].Type, ProcmonProcessCreate);
    assert_int_equal(f->ev[3].Type, ProcmonThreadCreate);
    const PROCMON_EVENT *exe = &f->ev[1], *ntdll = &f->ev[2];
    assert_int_equal(exe->Type, ProcmonImageLoad);
    assert_string_equal(ascii(exe->ImageName), p.image_path);
    assert_int_equal(exe->ProcessId, ID(pid));
    assert_int_equal(exe->ImageBase, p.image_base);
    assert_int_equal(exe->ImageSize, p.image_size);
    assert_int_equal(exe->Flags & PROCMON_FLAG_KERNEL_IMAGE, 0);
    assert_int_equal(ntdll->Type, ProcmonImageLoad);
    assert_string_equal(ascii(ntdll->ImageName), "\\SystemRoot\\System32\\ntdll.dll");
    assert_int_equal(ntdll->ProcessId, ID(pid));
    for (int i = 1; i <= 2; i++) {
        assert_int_equal(f->ev[i].CurrentProcessId, ID(pid)); /* in the new process */
        assert_int_equal(f->ev[i].CurrentThreadId, ID(tid));  /* on its first thread */
    }

    assert_int_equal(pssim_image_load(f->m, pid,
                                      "\\Device\\HarddiskVolume2\\Windows\\System32\\"
                                      "user32.dll",
                                      0x00007FFA10000000ULL, 0x1A0000),
                     STATUS_SUCCESS);
    assert_int_equal(pssim_image_load(f->m, NULL, "\\SystemRoot\\System32\\drivers\\other.sys",
                                      0xFFFFF80120000000ULL, 0x8000),
                     STATUS_SUCCESS);
    drain(f);
    assert_int_equal(f->n, 2);
    assert_int_equal(f->ev[0].ProcessId, ID(pid));
    assert_int_equal(f->ev[0].ImageBase, 0x00007FFA10000000ULL);
    assert_int_equal(f->ev[0].Flags & PROCMON_FLAG_KERNEL_IMAGE, 0);
    assert_int_equal(f->ev[1].ProcessId, 0);
    assert_true(f->ev[1].Flags & PROCMON_FLAG_KERNEL_IMAGE);
    assert_string_equal(ascii(f->ev[1].ImageName), "\\SystemRoot\\System32\\drivers\\other.sys");
    assert_int_equal(pssim_process_terminate(f->m, pid, STATUS_SUCCESS), STATUS_SUCCESS);
}

/* PROC-REG-12, THREAD-REG-7, IMAGE-REG-6: DriverUnload removes all three routines and frees
 * the queue, so events after the unload raise no bug check 0xCE and nothing is logged. */
static void test_unload_removes_all_routines(void **state)
{
    fixture *f = *state;
    HANDLE pid;
    assert_int_equal(start_win32(f, "\\Device\\HarddiskVolume2\\apps\\before.exe", &pid, NULL),
                     STATUS_SUCCESS);
    uint64_t blocks = 0;
    assert_int_equal(pssim_pool_usage(f->m, PROCMON_POOL_TAG, NULL, &blocks), STATUS_SUCCESS);
    assert_int_equal(blocks, 4); /* queued, not drained */

    assert_int_equal(pssim_driver_unload(f->m, f->drv), STATUS_SUCCESS);
    f->drv = NULL;
    assert_int_equal(pssim_pool_usage(f->m, PROCMON_POOL_TAG, NULL, &blocks), STATUS_SUCCESS);
    assert_int_equal(blocks, 0); /* the unload freed the queue */

    HANDLE after, after_tid;
    assert_int_equal(
        start_win32(f, "\\Device\\HarddiskVolume2\\apps\\after.exe", &after, &after_tid),
        STATUS_SUCCESS);
    assert_int_equal(pssim_thread_create(f->m, after, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_image_load(f->m, after, "\\x.dll", 0x10000000, 0x1000), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(f->m, after, STATUS_SUCCESS), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(f->m, pid, STATUS_SUCCESS), STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(f->m, NULL));
    assert_int_equal(pssim_pool_usage(f->m, PROCMON_POOL_TAG, NULL, &blocks), STATUS_SUCCESS);
    assert_int_equal(blocks, 0);
    drain(f);
    assert_int_equal(f->n, 0);
}

/* The queue holds PROCMON_MAX_QUEUED_EVENTS; later events are counted as dropped and leave a
 * gap in the sequence numbers. Also the drain and statistics calls' parameter checks. */
static void test_queue_limit_and_drain_parameters(void **state)
{
    fixture *f = *state;
    /* Each Win32 process start gives 4 events (Appendix A). */
    const int starts = PROCMON_MAX_QUEUED_EVENTS / 4 + 2;
    for (int i = 0; i < starts; i++)
        assert_int_equal(start_win32(f, "\\Device\\HarddiskVolume2\\apps\\many.exe", NULL, NULL),
                         STATUS_SUCCESS);
    PROCMON_STATISTICS st;
    assert_int_equal(ProcmonQueryStatistics(&st), STATUS_SUCCESS);
    assert_int_equal(st.Queued, PROCMON_MAX_QUEUED_EVENTS);
    assert_int_equal(st.Recorded, PROCMON_MAX_QUEUED_EVENTS);
    assert_int_equal(st.Dropped, starts * 4 - PROCMON_MAX_QUEUED_EVENTS);

    /* Drain in two steps: the oldest first. */
    ULONG got = 0;
    assert_int_equal(ProcmonDrainEvents(f->ev, 3, &got), STATUS_SUCCESS);
    assert_int_equal(got, 3);
    assert_int_equal(f->ev[0].Sequence, 1);
    assert_int_equal(f->ev[2].Sequence, 3);
    drain(f);
    assert_int_equal(f->n, PROCMON_MAX_QUEUED_EVENTS - 3);
    assert_int_equal(f->ev[f->n - 1].Sequence, PROCMON_MAX_QUEUED_EVENTS);

    assert_int_equal(start_win32(f, "\\Device\\HarddiskVolume2\\apps\\later.exe", NULL, NULL),
                     STATUS_SUCCESS);
    drain(f);
    assert_int_equal(f->n, 4);
    assert_int_equal(f->ev[0].Sequence, (ULONG)starts * 4 + 1);

    assert_int_equal(ProcmonDrainEvents(f->ev, 1, NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(ProcmonDrainEvents(NULL, 1, &got), STATUS_INVALID_PARAMETER);
    assert_int_equal(ProcmonDrainEvents(NULL, 0, &got), STATUS_SUCCESS);
    assert_int_equal(got, 0);
    assert_int_equal(ProcmonQueryStatistics(NULL), STATUS_INVALID_PARAMETER);
}

/* A failing DriverEntry is never unloaded, so it must undo its own registrations: a routine
 * left behind would point into unloaded code and the next event would raise 0xCE
 * (PROC-REG-12). THREAD-REG-1 / IMAGE-REG-2: a full table fails the thread or image
 * registration with STATUS_INSUFFICIENT_RESOURCES. PROC-REG-5: without /INTEGRITYCHECK the
 * Ex2 registration fails with STATUS_ACCESS_DENIED. */
static void host_thread_routine(HANDLE pid, HANDLE tid, BOOLEAN create)
{
    (void)pid;
    (void)tid;
    (void)create;
}

static void host_image_routine(PUNICODE_STRING name, HANDLE pid, PIMAGE_INFO info)
{
    (void)name;
    (void)pid;
    (void)info;
}

static void test_failed_driver_entry_unwinds(void **state)
{
    fixture *f = *state;
    PDRIVER_OBJECT d;
    assert_int_equal(pssim_driver_load(f->m, ProcmonDriverEntry, "procmon", 0, &d),
                     STATUS_ACCESS_DENIED);

    for (int i = 0; i < 64; i++)
        assert_int_equal(PsSetCreateThreadNotifyRoutine(host_thread_routine), STATUS_SUCCESS);
    assert_int_equal(
        pssim_driver_load(f->m, ProcmonDriverEntry, "procmon", PSSIM_DRIVER_FORCE_INTEGRITY, &d),
        STATUS_INSUFFICIENT_RESOURCES);
    HANDLE pid;
    assert_int_equal(start_win32(f, "\\Device\\HarddiskVolume2\\apps\\a.exe", &pid, NULL),
                     STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(f->m, NULL));
    assert_int_equal(pssim_process_terminate(f->m, pid, STATUS_SUCCESS), STATUS_SUCCESS);
    for (int i = 0; i < 64; i++)
        assert_int_equal(PsRemoveCreateThreadNotifyRoutine(host_thread_routine), STATUS_SUCCESS);

    for (int i = 0; i < 64; i++)
        assert_int_equal(PsSetLoadImageNotifyRoutine(host_image_routine), STATUS_SUCCESS);
    assert_int_equal(
        pssim_driver_load(f->m, ProcmonDriverEntry, "procmon", PSSIM_DRIVER_FORCE_INTEGRITY, &d),
        STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(start_win32(f, "\\Device\\HarddiskVolume2\\apps\\b.exe", &pid, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(pssim_thread_create(f->m, pid, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(f->m, pid, STATUS_SUCCESS), STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(f->m, NULL));
    for (int i = 0; i < 64; i++)
        assert_int_equal(PsRemoveLoadImageNotifyRoutine(host_image_routine), STATUS_SUCCESS);

    /* With room in every table the same driver loads. */
    assert_int_equal(pssim_driver_load(f->m, ProcmonDriverEntry, "procmon",
                                       PSSIM_DRIVER_FORCE_INTEGRITY, &f->drv),
                     STATUS_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_win32_process_create_and_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocked_image_is_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wsl_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thread_create_runs_on_new_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_loads_exe_then_ntdll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unload_removes_all_routines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_limit_and_drain_parameters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_driver_entry_unwinds, setup_machine, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
