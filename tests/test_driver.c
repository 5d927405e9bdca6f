/* test_driver.c: driver load/unload, ownership of registrations, FORCE_INTEGRITY and the 0xCE
 * bug check for routines left registered (api-contract "Drivers", PROC-REG-5/12, BUGCHECK-3). */
#include "support.h"

REC_DEFINE_STORAGE;

static NTSTATUS ex_status, ex2_status, thread_ex_status, plain_status;
static HANDLE entry_pid, entry_tid;
static KIRQL entry_irql;
static int unload_calls;
static UNICODE_STRING seen_registry_path;

static void proc_ex(PEPROCESS p, HANDLE pid, PPS_CREATE_NOTIFY_INFO ci)
{
    (void)p;
    rec_event *e = rec_add("procex");
    e->pid = pid;
    e->create = ci != NULL;
}

static void proc_plain(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    rec_event *e = rec_add("proc");
    e->pid = pid;
    e->create = create;
}

static void thread_cb(HANDLE pid, HANDLE tid, BOOLEAN create)
{
    (void)pid;
    (void)tid;
    (void)create;
}

static void image_cb(PUNICODE_STRING name, HANDLE pid, PIMAGE_INFO info)
{
    rec_event *e = rec_add("image");
    rec_copy_name(e, name);
    e->pid = pid;
    e->flags = info->Properties;
}

static VOID unload_all(PDRIVER_OBJECT d)
{
    (void)d;
    unload_calls++;
    PsSetCreateProcessNotifyRoutineEx(proc_ex, TRUE);
    PsSetCreateProcessNotifyRoutine(proc_plain, TRUE);
}

static VOID unload_forgetful(PDRIVER_OBJECT d)
{
    (void)d;
    unload_calls++;
}

static NTSTATUS entry_register(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    entry_pid = PsGetCurrentProcessId();
    entry_tid = PsGetCurrentThreadId();
    entry_irql = KeGetCurrentIrql();
    seen_registry_path = *reg;
    plain_status = PsSetCreateProcessNotifyRoutine(proc_plain, FALSE);
    ex_status = PsSetCreateProcessNotifyRoutineEx(proc_ex, FALSE);
    ex2_status = PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems,
                                                    AS_PVOID(proc_ex), FALSE);
    if (NT_SUCCESS(ex2_status))
        PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, AS_PVOID(proc_ex),
                                           TRUE);
    thread_ex_status =
        PsSetCreateThreadNotifyRoutineEx(PsCreateThreadNotifyNonSystem, AS_PVOID(thread_cb));
    if (NT_SUCCESS(thread_ex_status))
        PsRemoveCreateThreadNotifyRoutine(thread_cb);
    d->DriverUnload = unload_all;
    return STATUS_SUCCESS;
}

static NTSTATUS entry_forgetful(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    PsSetCreateProcessNotifyRoutineEx(proc_ex, FALSE);
    d->DriverUnload = unload_forgetful;
    return STATUS_SUCCESS;
}

static NTSTATUS entry_fails(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)d;
    (void)reg;
    return STATUS_DEVICE_CONFIGURATION_ERROR;
}

static NTSTATUS entry_no_unload(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)d;
    (void)reg;
    return STATUS_SUCCESS;
}

static int setup(void **state)
{
    *state = new_machine();
    unload_calls = 0;
    return 0;
}

static int teardown(void **state)
{
    pssim_machine_destroy(*state);
    return 0;
}

/* api-contract Drivers: DriverEntry runs on a System thread at PASSIVE_LEVEL with the registry
 * path; with FORCE_INTEGRITY every registration flavour succeeds (PROC-REG-5). */
static void test_load_with_integrity(void **state)
{
    pssim_machine *m = *state;
    PDRIVER_OBJECT d;
    assert_int_equal(
        pssim_driver_load(m, entry_register, "gooddrv", PSSIM_DRIVER_FORCE_INTEGRITY, &d),
        STATUS_SUCCESS);
    assert_non_null(d);
    assert_ptr_equal(entry_pid, PSSIM_SYSTEM_PID);
    assert_true(entry_tid != pssim_host_tid(m));
    assert_int_equal(entry_irql, PASSIVE_LEVEL);
    assert_true(seen_registry_path.Length > 0);
    assert_int_equal(plain_status, STATUS_SUCCESS);
    assert_int_equal(ex_status, STATUS_SUCCESS);
    assert_int_equal(ex2_status, STATUS_SUCCESS);
    assert_int_equal(thread_ex_status, STATUS_SUCCESS);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    assert_int_equal(unload_calls, 1);
    /* After a clean unload, events are fine. */
    assert_int_equal(spawn(m, "\\after.exe", NULL, NULL), STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(m, NULL));
}

/* PROC-REG-5 / THREAD-REG-3: without FORCE_INTEGRITY, Ex/Ex2 process and Ex thread
 * registrations fail with STATUS_ACCESS_DENIED; plain ones succeed. */
static void test_load_without_integrity(void **state)
{
    pssim_machine *m = *state;
    PDRIVER_OBJECT d;
    assert_int_equal(pssim_driver_load(m, entry_register, "plaindrv", 0, &d), STATUS_SUCCESS);
    assert_int_equal(plain_status, STATUS_SUCCESS);
    assert_int_equal(ex_status, STATUS_ACCESS_DENIED);
    assert_int_equal(ex2_status, STATUS_ACCESS_DENIED);
    assert_int_equal(thread_ex_status, STATUS_ACCESS_DENIED);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
}

/* IMAGE-NOTIFY-3: loading a driver raises an image notification with ProcessId 0 and
 * SystemModeImage set, on a System thread. */
static void test_driver_image_notification(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetLoadImageNotifyRoutine(image_cb), STATUS_SUCCESS);
    PDRIVER_OBJECT d;
    assert_int_equal(pssim_driver_load(m, entry_no_unload, "imgdrv", 0, &d), STATUS_SUCCESS);
    assert_int_equal(rec_count, 1);
    assert_null(rec_log[0].pid);
    assert_int_equal(rec_log[0].flags & 0x100, 0x100);
    assert_ptr_equal(rec_log[0].cur_pid, PSSIM_SYSTEM_PID);
    assert_non_null(strstr(rec_log[0].image, "imgdrv.sys"));
    /* A driver without DriverUnload cannot be unloaded. */
    assert_int_equal(pssim_driver_unload(m, d), STATUS_INVALID_DEVICE_REQUEST);
    PsRemoveLoadImageNotifyRoutine(image_cb);
}

/* PROC-REG-12 / BUGCHECK-3: a routine left registered at unload makes the next event raise
 * 0xCE naming the routine and the driver; later calls return PSSIM_STATUS_BUGCHECK; the test
 * binary survives and destroy frees everything. */
static void test_forgotten_routine_bugchecks(void **state)
{
    pssim_machine *m = *state;
    PDRIVER_OBJECT d;
    assert_int_equal(
        pssim_driver_load(m, entry_forgetful, "forgetful", PSSIM_DRIVER_FORCE_INTEGRITY, &d),
        STATUS_SUCCESS);
    assert_int_equal(spawn(m, "\\one.exe", NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    assert_int_equal(unload_calls, 1);
    assert_false(pssim_machine_bugcheck(m, NULL));
    rec_reset();
    assert_int_equal(spawn(m, "\\two.exe", NULL, NULL), PSSIM_STATUS_BUGCHECK);
    assert_int_equal(rec_count, 0); /* the unloaded routine was not called */
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xCE);
    assert_int_equal(bc.parameters[0], (ULONG_PTR)AS_PVOID(proc_ex));
    assert_non_null(strstr(bc.text, "forgetful"));
    assert_non_null(strstr(bc.text, "PsSetCreateProcessNotifyRoutineEx"));
    assert_non_null(strstr(bc.text, "DriverUnload"));
    assert_int_equal(pssim_thread_create(m, pssim_host_pid(m), NULL), PSSIM_STATUS_BUGCHECK);
    assert_int_equal(pssim_driver_load(m, entry_no_unload, "x", 0, NULL), PSSIM_STATUS_BUGCHECK);
}

/* api-contract: a failing DriverEntry leaves no driver loaded and returns its status. */
static void test_failing_entry(void **state)
{
    pssim_machine *m = *state;
    PDRIVER_OBJECT d = (PDRIVER_OBJECT)1;
    assert_int_equal(pssim_driver_load(m, entry_fails, "faildrv", 0, &d),
                     STATUS_DEVICE_CONFIGURATION_ERROR);
    assert_null(d);
    /* The name is free again. */
    assert_int_equal(pssim_driver_load(m, entry_no_unload, "faildrv", 0, &d), STATUS_SUCCESS);
}

/* Bad input to the driver calls. */
static void test_driver_bad_input(void **state)
{
    pssim_machine *m = *state;
    PDRIVER_OBJECT d;
    assert_int_equal(pssim_driver_load(NULL, entry_no_unload, "a", 0, &d),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_driver_load(m, NULL, "a", 0, &d), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_driver_load(m, entry_no_unload, NULL, 0, &d), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_driver_load(m, entry_no_unload, "", 0, &d), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_driver_load(m, entry_no_unload, "a\\b", 0, &d),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_driver_load(m, entry_no_unload, "a", 0x80, &d),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_driver_load(m, entry_no_unload, "dup", 0, &d), STATUS_SUCCESS);
    assert_int_equal(pssim_driver_load(m, entry_no_unload, "dup", 0, NULL),
                     STATUS_IMAGE_ALREADY_LOADED);
    assert_int_equal(pssim_driver_unload(m, NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_driver_unload(NULL, d), STATUS_INVALID_PARAMETER);
    DRIVER_OBJECT fake;
    memset(&fake, 0, sizeof(fake));
    assert_int_equal(pssim_driver_unload(m, &fake), STATUS_INVALID_PARAMETER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_with_integrity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_without_integrity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_driver_image_notification, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forgotten_routine_bugchecks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_driver_bad_input, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
