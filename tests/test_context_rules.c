/* test_context_rules.c: calling context of thread and image routines, IRQL rules of getters and
 * references, and unload of thread/image routines (ps-semantics 2.2, 2.3, 3.2, 3.3, 4.3, 5). */
#include "support.h"

REC_DEFINE_STORAGE;

static void thread_cb(HANDLE pid, HANDLE tid, BOOLEAN create)
{
    rec_event *e = rec_add("thread");
    e->pid = pid;
    e->tid = tid;
    e->create = create;
}

static UNICODE_STRING *kept_name;
static void image_cb(PUNICODE_STRING name, HANDLE pid, PIMAGE_INFO info)
{
    (void)info;
    rec_event *e = rec_add("image");
    e->pid = pid;
    rec_copy_name(e, name);
    kept_name = name;
}

static int setup(void **state)
{
    *state = new_machine();
    return 0;
}

static int teardown(void **state)
{
    pssim_machine_destroy(*state);
    return 0;
}

/* THREAD-NOTIFY-3: thread routines run at PASSIVE_LEVEL (pssim's default of PASSIVE/APC).
 * THREAD-NOTIFY-4: plain routines see system threads and Win32 threads, not pico threads. */
static void test_thread_routine_context(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateThreadNotifyRoutine(thread_cb), STATUS_SUCCESS);
    assert_int_equal(spawn(m, "\\w.exe", NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_thread_create(m, PSSIM_SYSTEM_PID, NULL), STATUS_SUCCESS);
    assert_int_equal(rec_count, 2);
    for (int i = 0; i < rec_count; i++)
        assert_int_equal(rec_log[i].irql, PASSIVE_LEVEL);
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "/bin/true";
    p.subsystem = PSSIM_SUBSYSTEM_WSL;
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(rec_count, 2);
    assert_int_equal(PsRemoveCreateThreadNotifyRoutine(thread_cb), STATUS_SUCCESS);
}

/* IMAGE-NOTIFY-6: image routines run at PASSIVE_LEVEL with normal kernel APCs disabled.
 * IMAGE-NOTIFY-7: FullImageName is given (images from the control API always have a name) and
 * is valid only during the call: the simulator reuses the storage afterwards. */
static void test_image_routine_context(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetLoadImageNotifyRoutine(image_cb), STATUS_SUCCESS);
    HANDLE pid;
    assert_int_equal(spawn(m, "\\img.exe", &pid, NULL), STATUS_SUCCESS);
    assert_int_equal(rec_count, 2);
    assert_int_equal(rec_log[0].irql, PASSIVE_LEVEL);
    assert_true(rec_log[0].apcs_disabled);
    assert_string_equal(rec_log[0].image, "\\img.exe");
    assert_non_null(kept_name);
    assert_false(KeAreApcsDisabled()); /* restored after the call */
    assert_int_equal(PsRemoveLoadImageNotifyRoutine(image_cb), STATUS_SUCCESS);
}

static NTSTATUS entry_thread_and_image(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    (void)d;
    PsSetCreateThreadNotifyRoutine(thread_cb);
    PsSetLoadImageNotifyRoutine(image_cb);
    return STATUS_SUCCESS;
}

static VOID unload_removes_image_only(PDRIVER_OBJECT d)
{
    (void)d;
    PsRemoveLoadImageNotifyRoutine(image_cb);
}

static NTSTATUS entry_forgets_thread(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    NTSTATUS st = entry_thread_and_image(d, reg);
    d->DriverUnload = unload_removes_image_only;
    return st;
}

/* THREAD-REG-7 / IMAGE-REG-6: routines must be removed before unload; a thread routine left
 * behind raises 0xCE at the next thread event, naming the removal call to add. */
static void test_thread_routine_left_at_unload(void **state)
{
    pssim_machine *m = *state;
    PDRIVER_OBJECT d;
    assert_int_equal(pssim_driver_load(m, entry_forgets_thread, "thrdrv", 0, &d), STATUS_SUCCESS);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    rec_reset();
    /* The image routine was removed; the thread routine was not. */
    assert_int_equal(pssim_image_load(m, pssim_host_pid(m), "\\x.dll", 0x10000, 0x1000),
                     STATUS_SUCCESS);
    assert_int_equal(rec_count, 0);
    assert_int_equal(pssim_thread_create(m, pssim_host_pid(m), NULL), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xCE);
    assert_non_null(strstr(bc.text, "PsRemoveCreateThreadNotifyRoutine"));
    assert_non_null(strstr(bc.text, "thrdrv"));
}

/* QUERY-1: for a kernel-mode caller the Nt form trusts the same handles and buffers as Zw. */
static void test_nt_and_zw_forms(void **state)
{
    (void)state;
    PROCESS_BASIC_INFORMATION a, b;
    assert_int_equal(
        ZwQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation, &a, sizeof(a), NULL),
        STATUS_SUCCESS);
    assert_int_equal(
        NtQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation, &b, sizeof(b), NULL),
        STATUS_SUCCESS);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(ExGetPreviousMode(), KernelMode);
}

/* CID-9: lookups work at APC_LEVEL. PSAPI-3 / OB-1: getters and references work at
 * DISPATCH_LEVEL. PSAPI-2: getters take no reference. */
static void test_irql_of_getters_and_references(void **state)
{
    pssim_machine *m = *state;
    HANDLE pid, tid;
    assert_int_equal(spawn(m, "\\g.exe", &pid, &tid), STATUS_SUCCESS);
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    PEPROCESS p;
    PETHREAD t;
    assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(tid, &t), STATUS_SUCCESS);
    KeLowerIrql(old);
    int64_t before, after;
    assert_int_equal(pssim_object_counts(m, pid, &before, NULL), STATUS_SUCCESS);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    assert_ptr_equal(PsGetProcessId(p), pid);
    assert_ptr_equal(PsGetThreadId(t), tid);
    assert_false(PsIsSystemThread(t));
    assert_false(PsIsThreadTerminating(t));
    assert_true(PsGetProcessCreateTimeQuadPart(p) > 0);
    assert_true(PsGetProcessStartKey(p) != 0);
    ObReferenceObject(p);
    ObDereferenceObject(p);
    KeLowerIrql(old);
    assert_int_equal(pssim_object_counts(m, pid, &after, NULL), STATUS_SUCCESS);
    assert_int_equal(before, after);
    assert_false(pssim_machine_bugcheck(m, NULL));
    ObDereferenceObject(t);
    /* OB-5: the deferred-delete dereference drops the reference like ObDereferenceObject. */
    ObDereferenceObjectDeferDelete(p);
    assert_int_equal(pssim_object_counts(m, pid, &after, NULL), STATUS_SUCCESS);
    assert_int_equal(after, before - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_thread_routine_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_routine_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thread_routine_left_at_unload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nt_and_zw_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_irql_of_getters_and_references, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
