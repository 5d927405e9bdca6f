/* test_cid_ob.c: client IDs, lookups, getters, references and handles (ps-semantics 5.1-5.5). */
#include "support.h"

#include "ps/cid_table.h"

REC_DEFINE_STORAGE;

/* Undocumented export: drivers declare it themselves, and it links (api-contract). */
PCHAR PsGetProcessImageFileName(PEPROCESS Process);

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

/* CID-2 / PSAPI-9 / CID-8: System is PID 4 and PsInitialSystemProcess; Idle (0) is not in the
 * table, so looking it up fails. */
static void test_well_known_ids(void **state)
{
    pssim_machine *m = *state;
    PEPROCESS p;
    assert_int_equal(PsLookupProcessByProcessId(PSSIM_SYSTEM_PID, &p), STATUS_SUCCESS);
    assert_ptr_equal(p, PsInitialSystemProcess);
    assert_ptr_equal(PsGetProcessId(p), (HANDLE)4);
    assert_string_equal(PsGetProcessImageFileName(p), "System"); /* PSAPI-8 */
    ObDereferenceObject(p);
    assert_int_equal(PsLookupProcessByProcessId(PSSIM_IDLE_PID, &p), STATUS_INVALID_CID);
    assert_null(p);
    /* The host process holds the caller (api-contract). */
    assert_ptr_equal(PsGetCurrentProcessId(), pssim_host_pid(m));
    assert_ptr_equal(PsGetCurrentThreadId(), pssim_host_tid(m));
}

/* CID-1/2: one namespace, multiples of 4, never a multiple of 1024. */
static void test_id_shape(void **state)
{
    pssim_machine *m = *state;
    HANDLE seen[600];
    int n = 0;
    for (int i = 0; i < 300; i++) {
        HANDLE pid, tid;
        assert_int_equal(spawn(m, "\\id.exe", &pid, &tid), STATUS_SUCCESS);
        seen[n++] = pid;
        seen[n++] = tid;
    }
    for (int i = 0; i < n; i++) {
        ULONG_PTR v = (ULONG_PTR)seen[i];
        assert_int_equal(v % 4, 0);
        assert_int_not_equal(v % 1024, 0);
        for (int j = i + 1; j < n; j++)
            assert_true(seen[i] != seen[j]);
    }
}

/* CID-5: a thread ID given to the process lookup fails, and the reverse. */
static void test_wrong_kind_lookup(void **state)
{
    pssim_machine *m = *state;
    HANDLE pid, tid;
    assert_int_equal(spawn(m, "\\k.exe", &pid, &tid), STATUS_SUCCESS);
    PEPROCESS p;
    PETHREAD t;
    assert_int_equal(PsLookupProcessByProcessId(tid, &p), STATUS_INVALID_CID);
    assert_int_equal(PsLookupThreadByThreadId(pid, &t), STATUS_INVALID_CID);
    assert_int_equal(PsLookupThreadByThreadId(tid, &t), STATUS_SUCCESS);
    assert_ptr_equal(PsGetThreadId(t), tid);
    assert_ptr_equal(PsGetThreadProcessId(t), pid);
    ObDereferenceObject(t);
    assert_int_equal(PsLookupProcessByProcessId((HANDLE)0x7FF8, &p), STATUS_INVALID_CID);
    assert_int_equal(PsLookupProcessByProcessId((HANDLE)5, &p), STATUS_INVALID_CID);
    assert_int_equal(PsLookupProcessByProcessId(pid, NULL), STATUS_INVALID_PARAMETER);
}

/* CID-3 / OB-2 / CID-6: a lookup returns a reference that keeps an exited process (and its
 * ID) alive; the ID is freed only when the last reference goes. */
static void test_id_freed_at_last_dereference(void **state)
{
    pssim_machine *m = *state;
    HANDLE pid;
    assert_int_equal(spawn(m, "\\ref.exe", &pid, NULL), STATUS_SUCCESS);
    PEPROCESS p;
    assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
    int64_t pc;
    assert_int_equal(pssim_object_counts(m, pid, &pc, NULL), STATUS_SUCCESS);
    assert_int_equal(pc, 3); /* its own, its thread's, ours */
    assert_int_equal(pssim_process_terminate(m, pid, 5), STATUS_SUCCESS);
    assert_int_equal(pssim_object_counts(m, pid, &pc, NULL), STATUS_SUCCESS);
    assert_int_equal(pc, 1);
    assert_int_equal(PsGetProcessExitStatus(p), 5); /* PSAPI-6 */
    PEPROCESS again;
    assert_int_equal(PsLookupProcessByProcessId(pid, &again), STATUS_SUCCESS); /* CID-7 */
    ObDereferenceObject(again);
    ObDereferenceObject(p);
    assert_int_equal(PsLookupProcessByProcessId(pid, &again), STATUS_INVALID_CID);
    uint32_t procs, threads;
    assert_int_equal(pssim_machine_object_count(m, &procs, &threads), STATUS_SUCCESS);
    assert_int_equal(procs, 2);   /* System and host */
    assert_int_equal(threads, 2); /* their threads */
}

/* CID-4: FIFO reuse delays reuse of a freed ID; PSSIM_CID_REUSE_IMMEDIATE hands the lowest
 * free ID out at once. */
static void test_reuse_policies(void **state)
{
    pssim_machine *m = *state;
    HANDLE pid1, pid2;
    assert_int_equal(spawn(m, "\\a.exe", &pid1, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(m, pid1, 0), STATUS_SUCCESS);
    assert_int_equal(spawn(m, "\\b.exe", &pid2, NULL), STATUS_SUCCESS);
    assert_true(pid2 != pid1);

    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.cid_reuse = PSSIM_CID_REUSE_IMMEDIATE;
    pssim_machine *m2;
    assert_int_equal(pssim_machine_create(&cfg, &m2), STATUS_SUCCESS);
    HANDLE a, at, b, bt;
    assert_int_equal(spawn(m2, "\\a.exe", &a, &at), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(m2, a, 0), STATUS_SUCCESS);
    assert_int_equal(spawn(m2, "\\b.exe", &b, &bt), STATUS_SUCCESS);
    assert_ptr_equal(b, a); /* the stale ID now names another process */
    pssim_machine_destroy(m2);
}

/* CID-4 at the table level: FIFO order of freed IDs, and growth past a page. */
static void test_cid_table_fifo(void **state)
{
    (void)state;
    PSP_CID_TABLE t;
    int dummy;
    assert_true(PspCidTableInit(&t, false));
    uintptr_t first = PspCidAllocate(&t, &dummy, 1);
    uintptr_t second = PspCidAllocate(&t, &dummy, 1);
    assert_int_equal(first, 4);
    assert_int_equal(second, 8);
    PspCidFree(&t, first);
    PspCidFree(&t, second);
    /* 253 never-used IDs of the first page come before the freed ones. */
    uintptr_t last = 0;
    for (int i = 0; i < 253; i++)
        last = PspCidAllocate(&t, &dummy, 1);
    assert_int_equal(last, 1020);
    assert_int_equal(PspCidAllocate(&t, &dummy, 1), first);
    assert_int_equal(PspCidAllocate(&t, &dummy, 1), second);
    assert_int_equal(PspCidAllocate(&t, &dummy, 1), 1028); /* 1024 is skipped (CID-2) */
    PspCidTableDestroy(&t);

    assert_true(PspCidTableInit(&t, true));
    uintptr_t a = PspCidAllocate(&t, &dummy, 1), b = PspCidAllocate(&t, &dummy, 1);
    PspCidFree(&t, a);
    assert_int_equal(PspCidAllocate(&t, &dummy, 1), a);
    (void)b;
    PspCidTableDestroy(&t);
}

/* OB-3: one dereference too many is bug check 0x18, detected without touching freed memory. */
static void test_over_dereference(void **state)
{
    pssim_machine *m = *state;
    HANDLE pid;
    assert_int_equal(spawn(m, "\\o.exe", &pid, NULL), STATUS_SUCCESS);
    PEPROCESS p;
    assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(m, pid, 0), STATUS_SUCCESS);
    ObDereferenceObject(p); /* the last reference: the object is gone */
    assert_false(pssim_machine_bugcheck(m, NULL));
    ObDereferenceObject(p); /* one too many */
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0x18);
    assert_int_equal(bc.parameters[1], (ULONG_PTR)p);
    assert_int_equal(spawn(m, "\\after.exe", NULL, NULL), PSSIM_STATUS_BUGCHECK);
}

/* OB-4: ObReferenceObjectSafe fails for an object that is gone, succeeds for a live one. */
static void test_reference_safe(void **state)
{
    pssim_machine *m = *state;
    HANDLE pid;
    assert_int_equal(spawn(m, "\\s.exe", &pid, NULL), STATUS_SUCCESS);
    PEPROCESS p;
    assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
    assert_true(ObReferenceObjectSafe(p));
    ObDereferenceObject(p);
    assert_int_equal(pssim_process_terminate(m, pid, 0), STATUS_SUCCESS);
    ObDereferenceObject(p);
    assert_false(ObReferenceObjectSafe(p));
    assert_false(pssim_machine_bugcheck(m, NULL));
}

/* OB-6 / QUERY-7 / SYSTHREAD-3: kernel handles from ZwOpenProcess, reference by handle with type
 * and access checks, ZwClose; handles count as references. */
static void test_handles(void **state)
{
    pssim_machine *m = *state;
    HANDLE pid, tid;
    assert_int_equal(spawn(m, "\\h.exe", &pid, &tid), STATUS_SUCCESS);
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    CLIENT_ID cid = {pid, NULL};
    HANDLE h;
    assert_int_equal(ZwOpenProcess(&h, PROCESS_QUERY_LIMITED_INFORMATION, &oa, &cid),
                     STATUS_SUCCESS);
    assert_true(((ULONG_PTR)h & ((ULONG_PTR)1 << (sizeof(ULONG_PTR) * 8 - 1))) != 0);
    int64_t pc, hc;
    assert_int_equal(pssim_object_counts(m, pid, &pc, &hc), STATUS_SUCCESS);
    assert_int_equal(hc, 1);
    PVOID obj;
    assert_int_equal(ObReferenceObjectByHandle(h, 0, *PsProcessType, KernelMode, &obj, NULL),
                     STATUS_SUCCESS);
    assert_ptr_equal(PsGetProcessId((PEPROCESS)obj), pid);
    ObDereferenceObject(obj);
    assert_int_equal(ObReferenceObjectByHandle(h, 0, *PsThreadType, KernelMode, &obj, NULL),
                     STATUS_OBJECT_TYPE_MISMATCH);
    /* A user-mode caller cannot use a kernel handle. */
    assert_int_equal(ObReferenceObjectByHandle(h, 0, *PsProcessType, UserMode, &obj, NULL),
                     STATUS_INVALID_HANDLE);
    /* A user handle with limited access: user-mode references check the access. */
    InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
    HANDLE uh;
    assert_int_equal(ZwOpenProcess(&uh, PROCESS_QUERY_LIMITED_INFORMATION, &oa, &cid),
                     STATUS_SUCCESS);
    assert_int_equal(
        ObReferenceObjectByHandle(uh, PROCESS_TERMINATE, *PsProcessType, UserMode, &obj, NULL),
        STATUS_ACCESS_DENIED);
    assert_int_equal(ObReferenceObjectByHandle(uh, PROCESS_QUERY_LIMITED_INFORMATION,
                                               *PsProcessType, UserMode, &obj, NULL),
                     STATUS_SUCCESS);
    ObDereferenceObject(obj);
    assert_int_equal(ZwClose(uh), STATUS_SUCCESS);
    assert_int_equal(ZwClose(uh), STATUS_INVALID_HANDLE);
    assert_int_equal(ZwClose(h), STATUS_SUCCESS);
    assert_int_equal(pssim_object_counts(m, pid, &pc, &hc), STATUS_SUCCESS);
    assert_int_equal(hc, 0);
    /* Thread handles and the current-process pseudo handle. */
    CLIENT_ID tcid = {NULL, tid};
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    assert_int_equal(ZwOpenThread(&h, THREAD_ALL_ACCESS, &oa, &tcid), STATUS_SUCCESS);
    assert_int_equal(ObReferenceObjectByHandle(h, 0, *PsThreadType, KernelMode, &obj, NULL),
                     STATUS_SUCCESS);
    assert_ptr_equal(PsGetThreadId((PETHREAD)obj), tid);
    ObDereferenceObject(obj);
    ZwClose(h);
    assert_int_equal(
        ObReferenceObjectByHandle(NtCurrentProcess(), 0, *PsProcessType, KernelMode, &obj, NULL),
        STATUS_SUCCESS);
    assert_ptr_equal(obj, PsGetCurrentProcess());
    ObDereferenceObject(obj);
    /* ObOpenObjectByPointer gives a handle to an object we hold. */
    PEPROCESS p;
    assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
    assert_int_equal(ObOpenObjectByPointer(p, OBJ_KERNEL_HANDLE, NULL, GENERIC_READ, *PsProcessType,
                                           KernelMode, &h),
                     STATUS_SUCCESS);
    assert_int_equal(ObOpenObjectByPointer(p, OBJ_KERNEL_HANDLE, NULL, GENERIC_READ, *PsThreadType,
                                           KernelMode, &uh),
                     STATUS_OBJECT_TYPE_MISMATCH);
    ZwClose(h);
    ObDereferenceObject(p);
}

/* Bad input to the open and handle calls: clear statuses, no crash. */
static void test_handle_bad_input(void **state)
{
    pssim_machine *m = *state;
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    CLIENT_ID cid = {pssim_host_pid(m), NULL};
    HANDLE h;
    assert_int_equal(ZwOpenProcess(NULL, 0, &oa, &cid), STATUS_INVALID_PARAMETER_1);
    assert_int_equal(ZwOpenProcess(&h, 0, NULL, &cid), STATUS_INVALID_PARAMETER_3);
    assert_int_equal(ZwOpenProcess(&h, 0, &oa, NULL), STATUS_INVALID_PARAMETER_MIX);
    CLIENT_ID bad = {(HANDLE)0x7FFC, NULL};
    assert_int_equal(ZwOpenProcess(&h, 0, &oa, &bad), STATUS_INVALID_CID);
    oa.Attributes = 0x80000000u;
    assert_int_equal(ZwOpenProcess(&h, 0, &oa, &cid), STATUS_INVALID_PARAMETER);
    PVOID obj;
    assert_int_equal(ObReferenceObjectByHandle((HANDLE)0x1234, 0, NULL, KernelMode, &obj, NULL),
                     STATUS_INVALID_HANDLE);
    assert_int_equal(ObReferenceObjectByHandle(NULL, 0, NULL, KernelMode, &obj, NULL),
                     STATUS_INVALID_HANDLE);
    assert_int_equal(ObReferenceObjectByHandle(NtCurrentProcess(), 0, NULL, KernelMode, NULL, NULL),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(ZwClose((HANDLE)0x44), STATUS_INVALID_HANDLE);
    assert_false(pssim_machine_bugcheck(m, NULL));
    /* Closing a bad kernel handle from kernel mode stops Windows: 0x93. */
    ZwClose((HANDLE)(((ULONG_PTR)1 << (sizeof(ULONG_PTR) * 8 - 1)) | 0x44));
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0x93);
}

/* PSAPI-1/4/5/7/8, CID-10: getters on a live process and thread. */
static void test_getters(void **state)
{
    pssim_machine *m = *state;
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\Device\\HarddiskVolume2\\Program Files\\averyveryverylongname.exe";
    HANDLE pid, tid;
    LARGE_INTEGER before;
    KeQuerySystemTime(&before);
    assert_int_equal(pssim_process_create(m, &p, &pid, &tid), STATUS_SUCCESS);
    PEPROCESS proc;
    PETHREAD thr;
    assert_int_equal(PsLookupProcessByProcessId(pid, &proc), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(tid, &thr), STATUS_SUCCESS);
    assert_string_equal(PsGetProcessImageFileName(proc), "averyveryveryl"); /* 14 chars */
    assert_true(PsGetProcessCreateTimeQuadPart(proc) >= before.QuadPart);
    assert_true(PsGetThreadCreateTime(thr) >= PsGetProcessCreateTimeQuadPart(proc));
    assert_false(PsIsSystemThread(thr));
    assert_false(PsIsThreadTerminating(thr));
    assert_int_equal(PsGetThreadExitStatus(thr), STATUS_PENDING);
    assert_int_equal(PsGetProcessExitStatus(proc), STATUS_PENDING);
    assert_ptr_equal(PsGetThreadProcess(thr), proc);
    ULONGLONG k1 = PsGetProcessStartKey(proc);
    HANDLE pid2;
    assert_int_equal(spawn(m, "\\second.exe", &pid2, NULL), STATUS_SUCCESS);
    PEPROCESS proc2;
    assert_int_equal(PsLookupProcessByProcessId(pid2, &proc2), STATUS_SUCCESS);
    assert_true(PsGetProcessStartKey(proc2) > k1);
    assert_int_equal(pssim_thread_exit(m, tid, 0x55), STATUS_SUCCESS);
    assert_true(PsIsThreadTerminating(thr));
    assert_int_equal(PsGetThreadExitStatus(thr), 0x55);
    assert_int_equal(PsGetProcessExitStatus(proc), 0x55);
    ObDereferenceObject(thr);
    ObDereferenceObject(proc);
    ObDereferenceObject(proc2);
    /* Getters given a dead or bogus pointer answer neutrally instead of reading it. */
    assert_null(PsGetProcessId(proc));
    assert_null(PsGetThreadId((PETHREAD)(void *)&p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_well_known_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_id_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_kind_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_id_freed_at_last_dereference, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_policies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cid_table_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_over_dereference, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reference_safe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
