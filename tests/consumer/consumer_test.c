/* consumer_test.c: uses the installed pssim through its documented API only (<pssim/pssim.h>),
 * the way a downstream test would. Built once per way of finding the package (CONSUMER_NAME). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <pssim/pssim.h>

#ifndef CONSUMER_NAME
#define CONSUMER_NAME "consumer"
#endif

#define MAX_CALLS 8

typedef struct call {
    HANDLE parent, pid, current_pid;
    BOOLEAN create;
} call;

static call calls[MAX_CALLS];
static int call_count;

static void on_process(HANDLE parent_id, HANDLE process_id, BOOLEAN create)
{
    if (call_count < MAX_CALLS) {
        calls[call_count].parent = parent_id;
        calls[call_count].pid = process_id;
        calls[call_count].current_pid = PsGetCurrentProcessId();
        calls[call_count].create = create;
    }
    call_count++;
}

static void deny_process(PEPROCESS process, HANDLE process_id, PPS_CREATE_NOTIFY_INFO info)
{
    (void)process;
    (void)process_id;
    if (info)
        info->CreationStatus = STATUS_ACCESS_DENIED;
}

static int setup(void **state)
{
    pssim_machine *m = NULL;
    if (pssim_machine_create(NULL, &m) != STATUS_SUCCESS || !m)
        return -1;
    memset(calls, 0, sizeof(calls));
    call_count = 0;
    *state = m;
    return 0;
}

static int teardown(void **state)
{
    pssim_machine_destroy(*state);
    return 0;
}

/* The library linked in is the one whose headers were installed with it. */
static void test_version(void **state)
{
    (void)state;
    char expected[32];
    snprintf(expected, sizeof(expected), "%d.%d.%d", PSSIM_VERSION_MAJOR, PSSIM_VERSION_MINOR,
             PSSIM_VERSION_PATCH);
    assert_string_equal(pssim_version(), expected);
    assert_string_equal(pssim_status_name(STATUS_ACCESS_DENIED), "STATUS_ACCESS_DENIED");
}

/* A process routine sees the create on the creating (host) thread and the exit, with the right
 * IDs; every control call returns its documented status. */
static void test_process_routine(void **state)
{
    pssim_machine *m = *state;
    uint32_t processes0, threads0;
    assert_int_equal(pssim_machine_object_count(m, &processes0, &threads0), STATUS_SUCCESS);

    assert_int_equal(PsSetCreateProcessNotifyRoutine(on_process, FALSE), STATUS_SUCCESS);
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\Device\\HarddiskVolume2\\Windows\\System32\\notepad.exe";
    HANDLE pid = NULL, tid = NULL;
    assert_int_equal(pssim_process_create(m, &p, &pid, &tid), STATUS_SUCCESS);
    assert_non_null(pid);
    assert_non_null(tid);
    assert_int_equal((uintptr_t)pid % 4, 0);
    assert_int_equal(call_count, 1);
    assert_true(calls[0].create);
    assert_ptr_equal(calls[0].pid, pid);
    assert_ptr_equal(calls[0].parent, pssim_host_pid(m));
    assert_ptr_equal(calls[0].current_pid, pssim_host_pid(m));

    assert_int_equal(pssim_process_terminate(m, pid, STATUS_SUCCESS), STATUS_SUCCESS);
    assert_int_equal(call_count, 2);
    assert_false(calls[1].create);
    assert_ptr_equal(calls[1].pid, pid);
    assert_ptr_equal(calls[1].current_pid, pid); /* the exit runs on the process's last thread */
    assert_false(NT_SUCCESS(pssim_process_terminate(m, pid, STATUS_SUCCESS)));
    assert_int_equal(call_count, 2);

    assert_int_equal(PsSetCreateProcessNotifyRoutine(on_process, TRUE), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(on_process, TRUE), STATUS_PROCEDURE_NOT_FOUND);
    uint32_t processes, threads;
    assert_int_equal(pssim_machine_object_count(m, &processes, &threads), STATUS_SUCCESS);
    assert_int_equal(processes, processes0);
    assert_int_equal(threads, threads0);
    assert_false(pssim_machine_bugcheck(m, NULL));
}

/* An Ex routine's denial is the create call's status, and no process is left behind. */
static void test_denial(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(deny_process, FALSE), STATUS_SUCCESS);
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\Device\\HarddiskVolume2\\blocked.exe";
    HANDLE pid = (HANDLE)(uintptr_t)1;
    assert_int_equal(pssim_process_create(m, &p, &pid, NULL), STATUS_ACCESS_DENIED);
    assert_null(pid);
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(deny_process, TRUE), STATUS_SUCCESS);
    assert_int_equal(pssim_process_create(m, &p, &pid, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(m, pid, STATUS_SUCCESS), STATUS_SUCCESS);
    assert_int_equal(pssim_pool_report_leaks(m, NULL, NULL), 0);
    assert_false(pssim_machine_bugcheck(m, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test_setup_teardown(test_process_routine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_denial, setup, teardown),
    };
    return cmocka_run_group_tests_name(CONSUMER_NAME, tests, NULL, NULL);
}
