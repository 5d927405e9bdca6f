/* lxmini_test.c: the unit test a pico-provider author writes for lxmini.c with pssim and CMocka.
 *
 * Each test boots a fresh machine with the provider loaded (it registers from DriverEntry),
 * starts Linux programs (plain C functions that make Linux system calls through lx_*), runs
 * the machine and checks what the programs wrote, how their processes ended, and that the
 * provider freed every context. Rule IDs are those of pssim's docs/pico.md and
 * docs/ps-semantics.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <pssim/pssim.h>
#include <pssim/wdk/ntifs.h> /* PsLookupProcessByProcessId */

#include "lxmini.h"

static pssim_machine *m;

static int setup(void **state)
{
    (void)state;
    assert_int_equal(pssim_machine_create(NULL, &m), STATUS_SUCCESS);
    /* A boot driver: it must register before the first process exists (PICO-1). */
    assert_int_equal(pssim_driver_load(m, LxminiDriverEntry, "lxmini", 0, NULL), STATUS_SUCCESS);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    uint64_t bytes = 1, blocks = 1;
    assert_int_equal(pssim_pool_usage(m, LXMINI_POOL_TAG, &bytes, &blocks), STATUS_SUCCESS);
    pssim_machine_destroy(m);
    assert_int_equal(bytes, 0); /* every process context was freed in exit_process */
    assert_int_equal(blocks, 0);
    return 0;
}

static const char *console(void)
{
    static char text[LXMINI_CONSOLE_SIZE];
    LxminiReadConsole(text, sizeof(text));
    return text;
}

static NTSTATUS exit_status_of(PEPROCESS p)
{
    NTSTATUS st = PsGetProcessExitStatus(p);
    ObDereferenceObject(p);
    return st;
}

static PEPROCESS reference(HANDLE pid)
{
    PEPROCESS p = NULL;
    assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
    return p;
}

/* ---- Linux programs ---- */

static long bad_fd, no_such_call;

static VOID hello_main(PVOID arg)
{
    (void)arg;
    char line[64];
    snprintf(line, sizeof(line), "hello from %ld\n", lx_getpid());
    lx_write(1, line, strlen(line));
    bad_fd = lx_write(7, line, 1);
    no_such_call = LxSyscall3(9999, 0, 0, 0);
    lx_exit_group(3);
    lx_write(1, "not reached\n", 12);
}

/* PICO-6/7, PICO-12: system calls reach the provider on the program's own thread: getpid
 * answers from the per-process context (PICO-4), write lands in the console, a bad fd and an
 * unknown call get -EBADF and -ENOSYS, and exit_group ends the process with its code (the
 * call does not return). */
static void test_hello(void **state)
{
    (void)state;
    HANDLE pid;
    ULONG linux_pid = 0;
    assert_int_equal(LxminiSpawn("/usr/bin/hello", hello_main, NULL, &pid, &linux_pid),
                     STATUS_SUCCESS);
    assert_int_equal(linux_pid, 1);
    PEPROCESS p = reference(pid);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_string_equal(console(), "hello from 1\n");
    assert_int_equal(bad_fd, -LX_EBADF);
    assert_int_equal(no_such_call, -LX_ENOSYS);
    assert_int_equal(exit_status_of(p), 3);
    assert_int_equal(LxminiLiveProcesses(), 0);
}

static VOID counter_main(PVOID arg)
{
    const char *tag = arg;
    char line[32];
    for (int i = 0; i < 2; i++) {
        snprintf(line, sizeof(line), "%s%ld.%d\n", tag, lx_getpid(), i);
        lx_write(2, line, strlen(line));
        pssim_cpu_work(50000000); /* 50 ms: longer than a quantum, so the two interleave */
    }
    /* Returning from main ends the thread, and with it the process, with 0. */
}

/* PICO-4/7: two Linux processes on one processor, each with its own Linux pid, interleaved by
 * the scheduler; returning from the program ends it like exit(0). */
static void test_two_programs(void **state)
{
    (void)state;
    HANDLE a, b;
    assert_int_equal(LxminiSpawn("/bin/a", counter_main, "a", &a, NULL), STATUS_SUCCESS);
    assert_int_equal(LxminiSpawn("/bin/b", counter_main, "b", &b, NULL), STATUS_SUCCESS);
    PEPROCESS pa = reference(a), pb = reference(b);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_string_equal(console(), "a1.0\nb2.0\na1.1\nb2.1\n");
    assert_int_equal(exit_status_of(pa), STATUS_SUCCESS);
    assert_int_equal(exit_status_of(pb), STATUS_SUCCESS);
    assert_int_equal(LxminiLiveProcesses(), 0);
}

static int after_trap, after_fault;

static VOID faulty_main(PVOID arg)
{
    (void)arg;
    pssim_pico_raise_exception(STATUS_BREAKPOINT, (PVOID)(uintptr_t)0x400100, 0, NULL);
    after_trap = 1;
    const ULONG_PTR info[2] = {0 /* read */, 0};
    pssim_pico_raise_exception(STATUS_ACCESS_VIOLATION, (PVOID)(uintptr_t)0x400200, 2, info);
    after_fault = 1; /* not reached */
}

/* PICO-9/10: the provider turns a breakpoint into a SIGTRAP the program survives and declines
 * an access violation, so the process ends with STATUS_ACCESS_VIOLATION. */
static void test_segfault_kills_the_process(void **state)
{
    (void)state;
    HANDLE pid;
    assert_int_equal(LxminiSpawn("/usr/bin/segv", faulty_main, NULL, &pid, NULL), STATUS_SUCCESS);
    PEPROCESS p = reference(pid);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(after_trap, 1);
    assert_int_equal(after_fault, 0);
    assert_non_null(strstr(console(), "[1] trap at "));
    assert_non_null(strstr(console(), "[1] killed by signal 11\n"));
    assert_int_equal(exit_status_of(p), STATUS_ACCESS_VIOLATION);
    assert_int_equal(LxminiLiveProcesses(), 0);
}

static long win32_pid_answer = 1;

static VOID win32_main(PVOID arg)
{
    (void)arg;
    win32_pid_answer = lx_getpid(); /* a Win32 thread: no Linux service (INVALID_SYSTEM_SERVICE) */
}

/* PICO-4/6 (PROC-NOTIFY-14): a WSL process made through the control API rather than by the
 * provider is still served: the provider adopts it on its first system call
 * (set_process_context). A Win32 thread's system call never reaches the provider. */
static void test_adopted_and_win32(void **state)
{
    (void)state;
    pssim_process_params pp;
    pssim_process_params_init(&pp);
    pp.image_path = "/bin/adopted";
    pp.subsystem = PSSIM_SUBSYSTEM_WSL;
    pp.flags = PSSIM_PROCESS_NO_INITIAL_THREAD;
    HANDLE pid;
    assert_int_equal(pssim_process_create(m, &pp, &pid, NULL), STATUS_SUCCESS);
    pssim_thread_params tp;
    pssim_thread_params_init(&tp);
    tp.start = hello_main;
    assert_int_equal(pssim_thread_start(m, pid, &tp, NULL), STATUS_SUCCESS);
    tp.start = win32_main;
    assert_int_equal(pssim_thread_start(m, pssim_host_pid(m), &tp, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_string_equal(console(), "hello from 1\n");
    assert_int_equal(win32_pid_answer, -LX_ENOSYS);
    assert_int_equal(LxminiLiveProcesses(), 0);
}

/* PICO-1: the provider is the machine's only one; a second load of a provider is too late. */
static void test_one_provider(void **state)
{
    (void)state;
    assert_int_equal(pssim_driver_load(m, LxminiDriverEntry, "lxmini2", 0, NULL), STATUS_TOO_LATE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_programs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segfault_kills_the_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adopted_and_win32, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_provider, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
