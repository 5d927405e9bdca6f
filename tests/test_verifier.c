/* test_verifier.c: the verifier's rules (docs/verifier.md): GUIDE-1 (slow routine), GUIDE-4
 * (blocking call), BUGCHECK-3 (what an unload leaves behind), each triggered and not, with warn
 * and fail actions; the report API. */
#include "verifier_support.h"

#include <stdlib.h>

#include <pssim/cmocka.h>

REC_DEFINE_STORAGE;

static pssim_machine *machine_with(int action)
{
    return vmachine(action, 1);
}

static HANDLE new_process(pssim_machine *m, const char *image)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = image;
    HANDLE pid = NULL;
    NTSTATUS st = pssim_process_create(m, &p, &pid, NULL);
    return NT_SUCCESS(st) ? pid : NULL;
}

/* ---- a driver whose process routine does what `mode` says ---- */

static enum { DO_NOTHING, WAIT_10MS, WAIT_ZERO, COMPUTE_5MS, DELAY } mode;
static KEVENT never;

static VOID bad_routine(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    (void)pid;
    if (!create)
        return;
    LARGE_INTEGER t;
    switch (mode) {
    case WAIT_10MS:
        t.QuadPart = -100000;
        KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, &t);
        break;
    case WAIT_ZERO:
        t.QuadPart = 0;
        KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, &t);
        break;
    case DELAY:
        t.QuadPart = -10;
        KeDelayExecutionThread(KernelMode, FALSE, &t);
        break;
    case COMPUTE_5MS:
        pssim_cpu_work(5000000);
        break;
    default:
        break;
    }
}

static bool forget;
static WORK_QUEUE_ITEM item;
static VOID item_routine(PVOID p)
{
    (void)p;
}
static VOID thread_waits(PVOID p)
{
    (void)p;
    KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, NULL);
}

static VOID bad_unload(PDRIVER_OBJECT d)
{
    (void)d;
    if (!forget)
        PsSetCreateProcessNotifyRoutine(bad_routine, TRUE);
}

static NTSTATUS bad_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = bad_unload;
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    NTSTATUS st = PsSetCreateProcessNotifyRoutine(bad_routine, FALSE);
    if (NT_SUCCESS(st) && forget) {
        ExInitializeWorkItem(&item, item_routine, NULL);
        ExQueueWorkItem(&item, DelayedWorkQueue);
        HANDLE h;
        st = PsCreateSystemThread(&h, THREAD_ALL_ACCESS, NULL, NULL, NULL, thread_waits, NULL);
        if (NT_SUCCESS(st))
            ZwClose(h);
    }
    return st;
}

static PDRIVER_OBJECT load_bad(pssim_machine *m, bool forgetful)
{
    forget = forgetful;
    PDRIVER_OBJECT d = NULL;
    assert_int_equal(pssim_driver_load(m, bad_entry, "baddrv", 0, &d), STATUS_SUCCESS);
    return d;
}

/* The rule table: IDs, names, lookup, actions, bad configuration. */
static void test_rule_table(void **state)
{
    (void)state;
    assert_string_equal(pssim_verifier_rule_id(PSSIM_VRULE_BLOCKING_CALL), "GUIDE-4");
    assert_string_equal(pssim_verifier_rule_name(PSSIM_VRULE_SLOW_ROUTINE), "slow-routine");
    assert_true(strlen(pssim_verifier_rule_guideline(PSSIM_VRULE_UNLOAD_LEFTOVERS)) > 20);
    assert_int_equal(pssim_verifier_rule_lookup("GUIDE-1"), PSSIM_VRULE_SLOW_ROUTINE);
    assert_int_equal(pssim_verifier_rule_lookup("unload-leftovers"), PSSIM_VRULE_UNLOAD_LEFTOVERS);
    assert_int_equal(pssim_verifier_rule_lookup("nope"), PSSIM_VERIFIER_RULE_COUNT);
    assert_string_equal(pssim_verifier_rule_id(999), "UNKNOWN");

    pssim_machine *m = machine_with(PSSIM_VERIFIER_DEFAULT);
    assert_int_equal(pssim_verifier_get(m, PSSIM_VRULE_BLOCKING_CALL), PSSIM_VERIFIER_WARN);
    assert_int_equal(pssim_verifier_set(m, PSSIM_VRULE_BLOCKING_CALL, PSSIM_VERIFIER_FAIL),
                     STATUS_SUCCESS);
    assert_int_equal(pssim_verifier_get(m, PSSIM_VRULE_BLOCKING_CALL), PSSIM_VERIFIER_FAIL);
    assert_int_equal(pssim_verifier_set(m, PSSIM_VERIFIER_RULE_COUNT, PSSIM_VERIFIER_OFF),
                     STATUS_SUCCESS);
    for (uint32_t r = 0; r < PSSIM_VERIFIER_RULE_COUNT; r++)
        assert_int_equal(pssim_verifier_get(m, r), PSSIM_VERIFIER_OFF);
    assert_int_equal(pssim_verifier_set(m, PSSIM_VRULE_BLOCKING_CALL, 7), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_verifier_set(m, 999, PSSIM_VERIFIER_OFF), STATUS_INVALID_PARAMETER);
    pssim_machine_destroy(m);

    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.verifier[PSSIM_VRULE_SLOW_ROUTINE] = 9;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_INVALID_PARAMETER);
}

/* GUIDE-4: a wait that can block inside a notify routine is reported with the call, the
 * routine and its driver; a zero-timeout wait is not; off means silent. */
static void test_blocking_call(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    PDRIVER_OBJECT d = load_bad(m, false);
    mode = WAIT_ZERO;
    assert_non_null(new_process(m, "\\??\\C:\\a.exe"));
    assert_int_equal(pssim_verifier_report_count(m), 0);
    mode = WAIT_10MS; /* it waits out 10 ms: also over the GUIDE-1 budget of 1 ms */
    assert_non_null(new_process(m, "\\??\\C:\\b.exe"));
    assert_int_equal(pssim_verifier_report_count(m), 2);
    assert_int_equal(vcount(m, PSSIM_VRULE_BLOCKING_CALL), 1);
    assert_int_equal(vcount(m, PSSIM_VRULE_SLOW_ROUTINE), 1);
    const pssim_verifier_report *r = vreport(m, 0); /* reported as the wait starts */
    assert_int_equal(r->rule, PSSIM_VRULE_BLOCKING_CALL);
    assert_int_equal(r->action, PSSIM_VERIFIER_WARN);
    assert_string_equal(r->driver, "baddrv");
    assert_string_equal(r->call, "KeWaitForSingleObject");
    assert_non_null(strstr(r->text, "GUIDE-4"));
    assert_true(strlen(r->routine) > 0);
    mode = DELAY; /* 1 us: blocking, but within the time budget */
    assert_non_null(new_process(m, "\\??\\C:\\c.exe"));
    assert_int_equal(pssim_verifier_report_count(m), 3);
    assert_string_equal(vreport(m, 2)->call, "KeDelayExecutionThread");
    /* The text form names the rule; clearing empties the list. */
    char text[2048];
    assert_true(pssim_verifier_format(m, text, sizeof(text)) > 0);
    assert_non_null(strstr(text, "WARN GUIDE-4 [blocking-call] driver 'baddrv'"));
    pssim_verifier_reports_clear(m);
    assert_int_equal(pssim_verifier_report_count(m), 0);
    assert_int_equal(pssim_verifier_set(m, PSSIM_VERIFIER_RULE_COUNT, PSSIM_VERIFIER_OFF),
                     STATUS_SUCCESS);
    mode = WAIT_10MS;
    assert_non_null(new_process(m, "\\??\\C:\\d.exe"));
    assert_int_equal(pssim_verifier_report_count(m), 0);
    mode = DO_NOTHING;
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);
}

/* GUIDE-4 on "fail": the report, then bug check 0xC4 with the rule in P1; the trace has it. */
static void test_blocking_call_fails(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_FAIL);
    assert_int_equal(pssim_trace_enable(m, true, 0), STATUS_SUCCESS);
    load_bad(m, false);
    mode = WAIT_10MS;
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\??\\C:\\b.exe";
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), PSSIM_STATUS_BUGCHECK);
    vassert_failed(m, PSSIM_VRULE_BLOCKING_CALL);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_non_null(strstr(bc.text, "GUIDE-4"));
    assert_int_equal(pssim_verifier_report_count(m), 1);
    assert_int_equal(vreport(m, 0)->action, PSSIM_VERIFIER_FAIL);
    bool traced = false;
    for (uint64_t i = 0; i < pssim_trace_count(m); i++) {
        pssim_trace_event e;
        assert_int_equal(pssim_trace_get(m, i, &e), STATUS_SUCCESS);
        if (e.kind == PSSIM_TRACE_VERIFIER && e.a == PSSIM_VRULE_BLOCKING_CALL)
            traced = true;
    }
    assert_true(traced);
    pssim_machine_destroy(m);
}

/* GUIDE-1: a routine that takes more virtual time than the budget is reported; within the
 * budget it is not. */
static void test_slow_routine(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    PDRIVER_OBJECT d = load_bad(m, false);
    mode = COMPUTE_5MS; /* budget: 1 ms by default */
    assert_non_null(new_process(m, "\\??\\C:\\slow.exe"));
    assert_int_equal(pssim_verifier_report_count(m), 1);
    const pssim_verifier_report *r = vreport(m, 0);
    assert_int_equal(r->rule, PSSIM_VRULE_SLOW_ROUTINE);
    assert_string_equal(r->driver, "baddrv");
    assert_non_null(strstr(r->text, "5000000 ns"));
    assert_non_null(strstr(r->text, "process-notify"));
    pssim_machine_destroy(m);
    (void)d;

    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.event_cost_ns = 0;
    cfg.verifier_budget_ns = 10000000; /* 10 ms */
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_SUCCESS);
    d = load_bad(m, false);
    assert_non_null(new_process(m, "\\??\\C:\\slow.exe"));
    mode = DO_NOTHING;
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);
}

/* GUIDE-1 counts kernel calls too: a thread-create routine running on a thread's body that
 * makes more calls than the budget. */
static int calls_to_make;
static VOID chatty_thread_routine(HANDLE pid, HANDLE tid, BOOLEAN create)
{
    (void)pid;
    (void)tid;
    if (create)
        for (int i = 0; i < calls_to_make; i++)
            (void)KeGetCurrentIrql();
}
static VOID starter(PVOID p)
{
    (void)p;
    HANDLE h;
    if (NT_SUCCESS(
            PsCreateSystemThread(&h, THREAD_ALL_ACCESS, NULL, NULL, NULL, item_routine, NULL)))
        ZwClose(h);
}

static void test_slow_routine_by_calls(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
        calls_to_make = round == 0 ? 50 : 5000;
        assert_int_equal(PsSetCreateThreadNotifyRoutine(chatty_thread_routine), STATUS_SUCCESS);
        pssim_thread_params p;
        pssim_thread_params_init(&p);
        p.start = starter;
        assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
        if (round == 0) {
            pssim_assert_no_verifier_reports(m);
        } else {
            assert_true(pssim_verifier_report_count(m) >= 1);
            const pssim_verifier_report *r = vreport(m, 0);
            assert_int_equal(r->rule, PSSIM_VRULE_SLOW_ROUTINE);
            assert_non_null(strstr(r->text, "thread-notify"));
        }
        assert_int_equal(PsRemoveCreateThreadNotifyRoutine(chatty_thread_routine), STATUS_SUCCESS);
        pssim_machine_destroy(m);
    }
}

/* BUGCHECK-3: an unload that leaves a routine registered, a work item queued and a system
 * thread running is reported at unload, before any 0xCE; a clean unload is not. */
static void test_unload_leftovers(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    PDRIVER_OBJECT d = load_bad(m, true);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    assert_int_equal(pssim_verifier_report_count(m), 1);
    const pssim_verifier_report *r = vreport(m, 0);
    assert_int_equal(r->rule, PSSIM_VRULE_UNLOAD_LEFTOVERS);
    assert_string_equal(r->driver, "baddrv");
    assert_non_null(strstr(r->text, "1 notify routine(s): PsSetCreateProcessNotifyRoutine"));
    assert_non_null(strstr(r->text, "1 ExQueueWorkItem item(s)"));
    assert_non_null(strstr(r->text, "1 system thread(s)"));
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);

    m = machine_with(PSSIM_VERIFIER_FAIL);
    d = load_bad(m, false);
    mode = DO_NOTHING;
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);

    m = machine_with(PSSIM_VERIFIER_FAIL);
    d = load_bad(m, true);
    assert_int_equal(pssim_driver_unload(m, d), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.parameters[0], PSSIM_VERIFIER_BUGCHECK_BASE + PSSIM_VRULE_UNLOAD_LEFTOVERS);
    pssim_machine_destroy(m);
}

/* GUIDE-6 / WORK-10: a routine that queues a work item and then waits (here for the event the
 * item would set) is reported; one that queues and returns is not; a routine waiting on a
 * thread of its own driver is reported too. */
static enum { QUEUE_AND_RETURN, QUEUE_AND_WAIT, WAIT_OWN_THREAD } work_mode;
static KEVENT item_done;
static WORK_QUEUE_ITEM work;
static PETHREAD own_thread;

static VOID sets_done(PVOID p)
{
    (void)p;
    KeSetEvent(&item_done, IO_NO_INCREMENT, FALSE);
}

static VOID hands_off_routine(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    (void)pid;
    if (!create)
        return;
    LARGE_INTEGER t;
    t.QuadPart = -10; /* 1 us: short, so only the rule under test fires besides GUIDE-4 */
    if (work_mode == WAIT_OWN_THREAD) {
        KeWaitForSingleObject(own_thread, Executive, KernelMode, FALSE, &t);
        return;
    }
    ExInitializeWorkItem(&work, sets_done, NULL);
    ExQueueWorkItem(&work, DelayedWorkQueue);
    if (work_mode == QUEUE_AND_WAIT)
        KeWaitForSingleObject(&item_done, Executive, KernelMode, FALSE, &t);
}

static VOID handoff_unload(PDRIVER_OBJECT d)
{
    (void)d;
    PsSetCreateProcessNotifyRoutine(hands_off_routine, TRUE);
    if (own_thread) {
        KeSetEvent(&never, IO_NO_INCREMENT, FALSE);
        KeWaitForSingleObject(own_thread, Executive, KernelMode, FALSE, NULL);
        ObDereferenceObject(own_thread);
        own_thread = NULL;
    }
}

static NTSTATUS handoff_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = handoff_unload;
    KeInitializeEvent(&item_done, NotificationEvent, FALSE);
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    HANDLE h;
    NTSTATUS st = PsCreateSystemThread(&h, THREAD_ALL_ACCESS, NULL, NULL, NULL, thread_waits, NULL);
    if (!NT_SUCCESS(st))
        return st;
    st = ObReferenceObjectByHandle(h, SYNCHRONIZE, NULL, KernelMode, (PVOID *)&own_thread, NULL);
    ZwClose(h);
    if (!NT_SUCCESS(st))
        return st;
    return PsSetCreateProcessNotifyRoutine(hands_off_routine, FALSE);
}

static void test_waits_for_own_work(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
        pssim_verifier_set(m, PSSIM_VRULE_BLOCKING_CALL, PSSIM_VERIFIER_OFF);
        PDRIVER_OBJECT d = NULL;
        assert_int_equal(pssim_driver_load(m, handoff_entry, "handoff", 0, &d), STATUS_SUCCESS);
        work_mode = round == 0 ? QUEUE_AND_RETURN : round == 1 ? QUEUE_AND_WAIT : WAIT_OWN_THREAD;
        assert_non_null(new_process(m, "\\??\\C:\\x.exe"));
        if (work_mode == QUEUE_AND_RETURN) {
            assert_int_equal(pssim_verifier_report_count(m), 0);
        } else {
            assert_int_equal(vcount(m, PSSIM_VRULE_WAIT_FOR_OWN_WORK), 1);
            const pssim_verifier_report *r = vreport(m, 0);
            assert_int_equal(r->rule, PSSIM_VRULE_WAIT_FOR_OWN_WORK);
            assert_string_equal(r->driver, "handoff");
            assert_non_null(strstr(r->text, work_mode == QUEUE_AND_WAIT
                                                ? "after queueing a work item"
                                                : "a thread of its own driver"));
        }
        /* The host's own waits are not routines: nothing to report. */
        pssim_verifier_reports_clear(m);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
        assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
        pssim_assert_no_verifier_reports(m);
        pssim_machine_destroy(m);
    }
}

/* PSSIM_VERIFIER in the environment overrides the config (run by CTest as test_verifier_env with
 * PSSIM_VERIFIER="slow-routine=off,GUIDE-4=fail,bogus"). */
static void test_environment_override(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    assert_int_equal(pssim_verifier_get(m, PSSIM_VRULE_SLOW_ROUTINE), PSSIM_VERIFIER_OFF);
    assert_int_equal(pssim_verifier_get(m, PSSIM_VRULE_BLOCKING_CALL), PSSIM_VERIFIER_FAIL);
    assert_int_equal(pssim_verifier_get(m, PSSIM_VRULE_UNLOAD_LEFTOVERS), PSSIM_VERIFIER_WARN);
    pssim_machine_destroy(m);
}

/* ---- Ob callbacks fall under the same guidelines (GUIDE-1, GUIDE-3, GUIDE-4; OBCB-*) ---- */

static PVOID ob_registration;
static KEVENT ob_never;
static bool ob_misbehave;

static OB_PREOP_CALLBACK_STATUS ob_pre(PVOID context, POB_PRE_OPERATION_INFORMATION info)
{
    (void)context;
    (void)info;
    if (ob_misbehave) {
        LARGE_INTEGER t;
        t.QuadPart = -20000; /* 2 ms: blocks, and past the 1 ms budget */
        KeWaitForSingleObject(&ob_never, Executive, KernelMode, FALSE, &t);
    }
    return OB_PREOP_SUCCESS;
}

static VOID ob_post(PVOID context, POB_POST_OPERATION_INFORMATION info)
{
    (void)context;
    (void)info;
    if (!ob_misbehave)
        return;
    UNICODE_STRING path;
    RtlInitUnicodeString(&path, L"\\Registry\\Machine\\System");
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, &path, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    HANDLE key;
    if (NT_SUCCESS(ZwOpenKey(&key, KEY_READ, &oa)))
        ZwClose(key);
}

static NTSTATUS ob_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)d;
    (void)reg;
    KeInitializeEvent(&ob_never, NotificationEvent, FALSE);
    OB_OPERATION_REGISTRATION op;
    memset(&op, 0, sizeof(op));
    op.ObjectType = PsProcessType;
    op.Operations = OB_OPERATION_HANDLE_CREATE;
    op.PreOperation = ob_pre;
    op.PostOperation = ob_post;
    OB_CALLBACK_REGISTRATION r;
    memset(&r, 0, sizeof(r));
    r.Version = OB_FLT_REGISTRATION_VERSION;
    r.OperationRegistrationCount = 1;
    RtlInitUnicodeString(&r.Altitude, L"321000");
    r.OperationRegistration = &op;
    return ObRegisterCallbacks(&r, &ob_registration);
}

static void test_ob_callbacks_follow_the_guidelines(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    assert_int_equal(pssim_driver_load(m, ob_entry, "obdrv", PSSIM_DRIVER_FORCE_INTEGRITY, NULL),
                     STATUS_SUCCESS);
    HANDLE pid = new_process(m, "\\??\\C:\\target.exe");
    assert_non_null(pid);
    ACCESS_MASK granted;
    ob_misbehave = false;
    assert_int_equal(pssim_process_open(m, NULL, pid, PROCESS_QUERY_INFORMATION, &granted),
                     STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    ob_misbehave = true;
    assert_int_equal(pssim_process_open(m, NULL, pid, PROCESS_QUERY_INFORMATION, &granted),
                     STATUS_SUCCESS);
    assert_int_equal(vcount(m, PSSIM_VRULE_BLOCKING_CALL), 1);
    assert_non_null(
        strstr(vfirst(m, PSSIM_VRULE_BLOCKING_CALL)->text, "Ob pre-operation callback"));
    assert_int_equal(vcount(m, PSSIM_VRULE_SLOW_ROUTINE), 1);
    assert_non_null(strstr(vfirst(m, PSSIM_VRULE_SLOW_ROUTINE)->text, "Ob pre-operation callback"));
    assert_int_equal(vcount(m, PSSIM_VRULE_REGISTRY_CALL), 1);
    const pssim_verifier_report *r = vfirst(m, PSSIM_VRULE_REGISTRY_CALL);
    assert_string_equal(r->driver, "obdrv");
    assert_string_equal(r->call, "ZwOpenKey");
    assert_non_null(strstr(r->text, "Ob post-operation callback"));
    assert_int_equal(pssim_verifier_report_count(m), 3);
    pssim_machine_destroy(m);
}

int main(void)
{
    if (getenv("PSSIM_VERIFIER")) {
        const struct CMUnitTest env_tests[] = {cmocka_unit_test(test_environment_override)};
        return cmocka_run_group_tests_name("environment", env_tests, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_table),
        cmocka_unit_test(test_blocking_call),
        cmocka_unit_test(test_blocking_call_fails),
        cmocka_unit_test(test_slow_routine),
        cmocka_unit_test(test_slow_routine_by_calls),
        cmocka_unit_test(test_unload_leftovers),
        cmocka_unit_test(test_waits_for_own_work),
        cmocka_unit_test(test_ob_callbacks_follow_the_guidelines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
