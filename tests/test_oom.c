/* test_oom.c: out-of-memory loops: the n-th allocation fails, for every n, and each control
 * call either succeeds or returns STATUS_INSUFFICIENT_RESOURCES, leaving nothing leaked and the
 * machine consistent (house-style habit 7; PROC-REG-4 for registrations). */
#include "support.h"

#include "core/alloc.h"

REC_DEFINE_STORAGE;

static void proc_cb(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    (void)pid;
    (void)create;
}

static void proc_ex_cb(PEPROCESS p, HANDLE pid, PPS_CREATE_NOTIFY_INFO ci)
{
    (void)p;
    (void)pid;
    (void)ci;
}

static void image_cb(PUNICODE_STRING name, HANDLE pid, PIMAGE_INFO info)
{
    (void)name;
    (void)pid;
    (void)info;
}

/* Machine creation under every single allocation failure: a clean status, no leak (the
 * sanitizer build checks for leaks), and the machine works when it was created. */
static void test_machine_create_oom(void **state)
{
    (void)state;
    int failures = 0;
    for (uint64_t n = 1; n < 200; n++) {
        pssim_machine *m = NULL;
        pssim__alloc_fail_at(n);
        NTSTATUS st = pssim_machine_create(NULL, &m);
        pssim__alloc_fail_at(0);
        if (st == STATUS_SUCCESS) {
            assert_non_null(m);
            assert_ptr_equal(PsGetCurrentProcessId(), pssim_host_pid(m));
            pssim_machine_destroy(m);
        } else {
            assert_int_equal(st, STATUS_INSUFFICIENT_RESOURCES);
            assert_null(m);
            failures++;
        }
    }
    assert_true(failures > 5); /* the loop really reached the allocations */
}

/* Process creation and exit with routines registered, under every allocation failure. */
static void test_process_lifecycle_oom(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    assert_int_equal(PsSetCreateProcessNotifyRoutine(proc_cb, FALSE), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(proc_ex_cb, FALSE), STATUS_SUCCESS);
    assert_int_equal(PsSetLoadImageNotifyRoutine(image_cb), STATUS_SUCCESS);
    int failures = 0;
    for (uint64_t n = 1; n < 60; n++) {
        pssim_process_params p;
        pssim_process_params_init(&p);
        p.image_path = "\\Device\\HarddiskVolume2\\oom.exe";
        p.command_line = "oom.exe --now";
        HANDLE pid = NULL;
        pssim__alloc_fail_at(n);
        NTSTATUS st = pssim_process_create(m, &p, &pid, NULL);
        pssim__alloc_fail_at(0);
        if (st == STATUS_SUCCESS) {
            assert_int_equal(pssim_process_terminate(m, pid, 0), STATUS_SUCCESS);
        } else {
            assert_int_equal(st, STATUS_INSUFFICIENT_RESOURCES);
            assert_null(pid);
            failures++;
        }
        uint32_t procs, threads;
        assert_int_equal(pssim_machine_object_count(m, &procs, &threads), STATUS_SUCCESS);
        assert_int_equal(procs, 2);
        assert_int_equal(threads, 2);
    }
    assert_true(failures > 0);
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);
}

/* PROC-REG-4 / THREAD-REG-1 / IMAGE-REG-2: out of pool for the callback block:
 * STATUS_INSUFFICIENT_RESOURCES, and the table is unchanged. PROC-REG-5: ACCESS_DENIED is
 * checked before the allocation (its order of checks). */
static NTSTATUS ex_status_under_oom;
static NTSTATUS entry_ex_under_oom(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)d;
    (void)reg;
    pssim__alloc_fail_at(1);
    ex_status_under_oom = PsSetCreateProcessNotifyRoutineEx(proc_ex_cb, FALSE);
    pssim__alloc_fail_at(0);
    return STATUS_SUCCESS;
}

static void test_registration_oom(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    pssim__alloc_fail_at(1);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(proc_cb, FALSE),
                     STATUS_INSUFFICIENT_RESOURCES);
    pssim__alloc_fail_at(1);
    assert_int_equal(PsSetLoadImageNotifyRoutine(image_cb), STATUS_INSUFFICIENT_RESOURCES);
    pssim__alloc_fail_at(0);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(proc_cb, TRUE), STATUS_PROCEDURE_NOT_FOUND);
    PDRIVER_OBJECT d;
    assert_int_equal(pssim_driver_load(m, entry_ex_under_oom, "nointeg", 0, &d), STATUS_SUCCESS);
    assert_int_equal(ex_status_under_oom, STATUS_ACCESS_DENIED);
    pssim_machine_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_machine_create_oom),
        cmocka_unit_test(test_process_lifecycle_oom),
        cmocka_unit_test(test_registration_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
