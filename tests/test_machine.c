/* test_machine.c: machine lifetime and config, independence of machines, status names, pool
 * accounting and bad input to the control API (api-contract "Machine", "Bug checks"). */
#include "support.h"

REC_DEFINE_STORAGE;

static void counting_routine(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    rec_event *e = rec_add("proc");
    e->pid = pid;
    e->create = create;
}

/* Config validation: each field out of range is refused with STATUS_INVALID_PARAMETER. */
static void test_config_validation(void **state)
{
    (void)state;
    pssim_config cfg;
    pssim_machine *m = (pssim_machine *)1;
    pssim_config_init(&cfg);
    assert_int_equal(cfg.cpu_count, 1);
    assert_int_equal(cfg.quantum_ns, 31250000);
    assert_int_equal(cfg.cid_reuse, PSSIM_CID_REUSE_FIFO);
    assert_int_equal(cfg.duplicate_notify, PSSIM_DUPLICATE_ALLOW);
    cfg.cpu_count = 0;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_INVALID_PARAMETER);
    assert_null(m);
    cfg.cpu_count = 65;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_INVALID_PARAMETER);
    pssim_config_init(&cfg);
    cfg.backend = 7;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_INVALID_PARAMETER);
    pssim_config_init(&cfg);
    cfg.cid_reuse = 2;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_INVALID_PARAMETER);
    pssim_config_init(&cfg);
    cfg.duplicate_notify = -1;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_machine_create(NULL, NULL), STATUS_INVALID_PARAMETER);
    pssim_config_init(NULL);     /* no crash */
    pssim_machine_destroy(NULL); /* no-op */
    pssim_config_init(&cfg);
    cfg.cpu_count = 64;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_SUCCESS);
    pssim_machine_destroy(m);
}

/* api-contract: machines never share state; WDK calls apply to the newest live machine
 * created by the calling thread; destroying it brings the previous one back in force. */
static void test_two_machines_are_independent(void **state)
{
    (void)state;
    pssim_machine *a, *b;
    assert_int_equal(pssim_machine_create(NULL, &a), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(counting_routine, FALSE), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_create(NULL, &b), STATUS_SUCCESS);
    rec_reset();
    assert_int_equal(spawn(b, "\\b.exe", NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(rec_count, 0); /* a's routine is not registered in b */
    assert_int_equal(spawn(a, "\\a.exe", NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(rec_count, 1);
    /* Same ID sequences in both: nothing shared. */
    HANDLE pa, pb;
    assert_int_equal(spawn(a, "\\x.exe", &pa, NULL), STATUS_SUCCESS);
    assert_int_equal(spawn(b, "\\x.exe", &pb, NULL), STATUS_SUCCESS);
    assert_ptr_equal(pa, pb);
    /* b is in force for direct WDK calls; a bug check in b leaves a running. */
    KeBugCheckEx(0xE2, 1, 2, 3, 4);
    assert_true(pssim_machine_bugcheck(b, NULL));
    assert_false(pssim_machine_bugcheck(a, NULL));
    pssim_machine_destroy(b);
    assert_ptr_equal(PsGetCurrentProcessId(), pssim_host_pid(a));
    assert_int_equal(PsSetCreateProcessNotifyRoutine(counting_routine, TRUE), STATUS_SUCCESS);
    pssim_machine_destroy(a);
    assert_null(PsGetCurrentProcessId()); /* no machine in force */
}

/* Control calls refuse NULL machines and bad parameters with a status, never a crash. */
static void test_control_bad_input(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    HANDLE pid = (HANDLE)1;
    assert_int_equal(pssim_process_create(NULL, NULL, &pid, NULL), STATUS_INVALID_PARAMETER);
    assert_null(pid);
    pssim_process_params p;
    pssim_process_params_init(&p);
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), STATUS_INVALID_PARAMETER);
    p.image_path = "";
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), STATUS_INVALID_PARAMETER);
    p.image_path = "\xff\xfe.exe"; /* not UTF-8 */
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), STATUS_INVALID_PARAMETER);
    p.image_path = "\\ok.exe";
    p.subsystem = (pssim_subsystem)5;
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), STATUS_INVALID_PARAMETER);
    p.subsystem = PSSIM_SUBSYSTEM_WIN32;
    p.flags = 0x100;
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), STATUS_INVALID_PARAMETER);
    p.flags = 0;
    p.parent_pid = (HANDLE)0x7FF4;
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), STATUS_INVALID_CID);
    assert_int_equal(pssim_process_terminate(m, (HANDLE)0x7FF4, 0), STATUS_INVALID_CID);
    assert_int_equal(pssim_process_terminate(m, PSSIM_SYSTEM_PID, 0), STATUS_ACCESS_DENIED);
    assert_int_equal(pssim_process_terminate(m, pssim_host_pid(m), 0), STATUS_ACCESS_DENIED);
    assert_int_equal(pssim_process_terminate(NULL, (HANDLE)8, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_thread_create(m, (HANDLE)0x7FF4, NULL), STATUS_INVALID_CID);
    assert_int_equal(pssim_thread_create(m, PSSIM_IDLE_PID, NULL), STATUS_INVALID_CID);
    assert_int_equal(pssim_thread_exit(m, pssim_host_tid(m), 0), STATUS_ACCESS_DENIED);
    assert_int_equal(pssim_thread_exit(m, pssim_host_pid(m), 0), STATUS_INVALID_CID);
    HANDLE tid;
    assert_int_equal(spawn(m, "\\t.exe", &pid, &tid), STATUS_SUCCESS);
    assert_int_equal(pssim_thread_exit(m, tid, 0), STATUS_SUCCESS);
    assert_int_equal(pssim_thread_exit(m, tid, 0), STATUS_INVALID_CID); /* gone */
    assert_int_equal(pssim_thread_create(m, pid, NULL), STATUS_INVALID_CID);
    /* A process being referenced after exit refuses new threads. */
    assert_int_equal(spawn(m, "\\u.exe", &pid, NULL), STATUS_SUCCESS);
    PEPROCESS proc;
    assert_int_equal(PsLookupProcessByProcessId(pid, &proc), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(m, pid, 0), STATUS_SUCCESS);
    assert_int_equal(pssim_thread_create(m, pid, NULL), STATUS_PROCESS_IS_TERMINATING);
    assert_int_equal(pssim_process_terminate(m, pid, 0), STATUS_PROCESS_IS_TERMINATING);
    ObDereferenceObject(proc);
    assert_false(pssim_machine_bugcheck(NULL, NULL));
    assert_int_equal(pssim_machine_now(NULL), 0);
    pssim_machine_destroy(m);
}

/* pssim_status_name: names for known codes, a readable fallback for the rest, never NULL. */
static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(pssim_status_name(STATUS_ACCESS_DENIED), "STATUS_ACCESS_DENIED");
    assert_string_equal(pssim_status_name(STATUS_SUCCESS), "STATUS_SUCCESS");
    assert_string_equal(pssim_status_name(STATUS_INVALID_CID), "STATUS_INVALID_CID");
    assert_string_equal(pssim_status_name(PSSIM_STATUS_BUGCHECK), "PSSIM_STATUS_BUGCHECK");
    assert_string_equal(pssim_status_name((NTSTATUS)0xC0FFEE00), "NTSTATUS 0xC0FFEE00");
    assert_string_equal(pssim_bugcheck_name(0xCE),
                        "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS");
    assert_string_equal(pssim_bugcheck_name(0x12345), "UNKNOWN_BUGCHECK");
    assert_non_null(pssim_version());
}

static void leak_cb(void *ctx, ULONG tag, uint64_t bytes, uint64_t blocks)
{
    int *n = ctx;
    assert_int_equal(tag, 0x6B61654C); /* 'Leak' */
    assert_int_equal(bytes, 100);
    assert_int_equal(blocks, 1);
    (*n)++;
}

/* Pool: per-tag accounting and leak reports; zeroing of ExAllocatePool2; BAD_POOL_CALLER for
 * a wrong tag and a double free. */
static void test_pool(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    unsigned char *a = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, 'tseT');
    assert_non_null(a);
    for (int i = 0; i < 64; i++)
        assert_int_equal(a[i], 0);
    void *leak = ExAllocatePoolWithTag(NonPagedPoolNx, 100, 'kaeL');
    assert_non_null(leak);
    uint64_t bytes, blocks;
    assert_int_equal(pssim_pool_usage(m, 'tseT', &bytes, &blocks), STATUS_SUCCESS);
    assert_int_equal(bytes, 64);
    assert_int_equal(blocks, 1);
    assert_null(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 8, 'xxxx'));
    assert_null(ExAllocatePool2(0, 8, 'xxxx'));
    ExFreePoolWithTag(a, 'tseT');
    int n = 0;
    assert_int_equal(pssim_pool_report_leaks(m, leak_cb, &n), 1);
    assert_int_equal(n, 1);
    ExFreePoolWithTag(leak, 'gnrW');
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC2);
    assert_int_equal(bc.parameters[0], 0xA);
    pssim_machine_destroy(m); /* frees the leaked block */

    m = new_machine();
    void *b = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'elbD');
    ExFreePool(b);
    ExFreePool(b);
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC2);
    assert_int_equal(bc.parameters[0], 0x7);
    pssim_machine_destroy(m);

    /* Paged pool above APC_LEVEL: Verifier 0xC4 / 0x1. */
    m = new_machine();
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    assert_null(ExAllocatePool2(POOL_FLAG_PAGED, 8, 'dgaP'));
    KeLowerIrql(old);
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0x1);
    pssim_machine_destroy(m);
}

/* Virtual time: Ps events advance it, and the clocks a driver reads follow it. */
static void test_virtual_clock(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    uint64_t t0 = pssim_machine_now(m);
    LARGE_INTEGER s0, s1;
    KeQuerySystemTime(&s0);
    assert_int_equal(spawn(m, "\\clock.exe", NULL, NULL), STATUS_SUCCESS);
    assert_true(pssim_machine_now(m) > t0);
    KeQuerySystemTime(&s1);
    assert_true(s1.QuadPart > s0.QuadPart);
    assert_int_equal(KeQueryInterruptTime(), pssim_machine_now(m) / 100);
    pssim_machine_destroy(m);
}

/* IRQL-2: lowering to a higher IRQL is fatal (Verifier 0xC4 / 0x31). SYNC-11: critical regions
 * nest as a counter. */
static void test_bad_lower_irql(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    KeEnterCriticalRegion();
    KeEnterCriticalRegion();
    KeLeaveCriticalRegion();
    assert_true(KeAreApcsDisabled());
    KeLeaveCriticalRegion();
    assert_false(KeAreApcsDisabled());
    KeLowerIrql(DISPATCH_LEVEL);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0x31);
    pssim_machine_destroy(m);
}

/* DbgPrint output lands in the debug log of the machine in force (a kernel debugger's view). */
static void test_debug_log(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    assert_string_equal(pssim_debug_log(m), "");
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"notepad.exe");
    DbgPrint("pid %u image %wZ\n", 1234u, &name);
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "level %d\n", 0);
    assert_string_equal(pssim_debug_log(m), "pid 1234 image notepad.exe\nlevel 0\n");
    pssim_debug_log_clear(m);
    assert_string_equal(pssim_debug_log(m), "");
    assert_string_equal(pssim_debug_log(NULL), "");
    pssim_machine_destroy(m);
}

/* A corrupt LIST_ENTRY is Windows' fast-fail 0x139 / 3; a failed NT_ASSERT with no debugger
 * is KMODE_EXCEPTION_NOT_HANDLED (0x1E) with STATUS_ASSERTION_FAILURE. */
static void test_fast_fail_and_assert(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    LIST_ENTRY head, a;
    InitializeListHead(&head);
    InsertTailList(&head, &a);
    a.Blink = &a; /* corrupt */
    RemoveEntryList(&a);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0x139);
    assert_int_equal(bc.parameters[0], 3);
    pssim_machine_destroy(m);

    m = new_machine();
    pssim__assertion_failure("x == 1", "driver.c", 42);
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0x1E);
    assert_int_equal(bc.parameters[0], (ULONG_PTR)(ULONG)STATUS_ASSERTION_FAILURE);
    assert_non_null(strstr(bc.text, "x == 1"));
    pssim_machine_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_validation),
        cmocka_unit_test(test_two_machines_are_independent),
        cmocka_unit_test(test_control_bad_input),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_virtual_clock),
        cmocka_unit_test(test_bad_lower_irql),
        cmocka_unit_test(test_debug_log),
        cmocka_unit_test(test_fast_fail_and_assert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
