/* test_notify_process.c: process-notify registration and invocation (ps-semantics section 1). */
#include "support.h"

REC_DEFINE_STORAGE;

static void plain_a(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    rec_event *e = rec_add("proc");
    e->parent = parent;
    e->pid = pid;
    e->create = create;
    e->slot_tag = 1;
}

static void plain_b(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    rec_event *e = rec_add("proc");
    e->parent = parent;
    e->pid = pid;
    e->create = create;
    e->slot_tag = 2;
}

static void record_ex(const char *kind, PEPROCESS process, HANDLE pid, PPS_CREATE_NOTIFY_INFO ci)
{
    rec_event *e = rec_add(kind);
    e->pid = pid;
    e->create = ci != NULL;
    assert_ptr_equal(PsGetProcessId(process), pid);
    if (ci) {
        e->parent = ci->ParentProcessId;
        e->creating = ci->CreatingThreadId;
        e->flags = ci->Flags;
        e->has_cmdline = ci->CommandLine != NULL;
        e->file_object = ci->FileObject;
        rec_copy_name(e, ci->ImageFileName);
        assert_int_equal(ci->Size, sizeof(PS_CREATE_NOTIFY_INFO));
        e->creation_status = ci->CreationStatus;
    }
}

static void ex_a(PEPROCESS process, HANDLE pid, PPS_CREATE_NOTIFY_INFO ci)
{
    record_ex("procex", process, pid, ci);
}

static void ex2_a(PEPROCESS process, HANDLE pid, PPS_CREATE_NOTIFY_INFO ci)
{
    record_ex("procex2", process, pid, ci);
}

static NTSTATUS deny_with = STATUS_ACCESS_DENIED;
static void ex_denier(PEPROCESS process, HANDLE pid, PPS_CREATE_NOTIFY_INFO ci)
{
    record_ex("denier", process, pid, ci);
    if (ci)
        ci->CreationStatus = deny_with;
}

static void ex_after(PEPROCESS process, HANDLE pid, PPS_CREATE_NOTIFY_INFO ci)
{
    record_ex("after", process, pid, ci);
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

/* PROC-REG-1: registration succeeds; PROC-NOTIFY-1/5: one create call per process with the
 * plain arguments (ParentId, ProcessId, TRUE), and one exit call (FALSE). */
static void test_plain_create_and_exit(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_SUCCESS);
    HANDLE pid, tid;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\Windows\\notepad.exe", &pid, &tid),
                     STATUS_SUCCESS);
    assert_int_equal(rec_count, 1);
    assert_ptr_equal(rec_log[0].pid, pid);
    assert_int_equal(rec_log[0].create, 1);
    assert_ptr_equal(rec_log[0].parent, pssim_host_pid(m));
    assert_int_equal(pssim_process_terminate(m, pid, STATUS_SUCCESS), STATUS_SUCCESS);
    assert_int_equal(rec_count, 2);
    assert_int_equal(rec_log[1].create, 0);
    assert_ptr_equal(rec_log[1].pid, pid);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, TRUE), STATUS_SUCCESS);
}

/* PROC-NOTIFY-2: the create call runs on the creator: current IDs are the creator's and equal
 * CreatingThreadId. PROC-NOTIFY-4: PASSIVE_LEVEL inside a critical region. */
static void test_create_context_is_creator(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, FALSE), STATUS_SUCCESS);
    HANDLE pid;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\a.exe", &pid, NULL), STATUS_SUCCESS);
    rec_event *e = &rec_log[rec_find("procex", 0)];
    assert_ptr_equal(e->cur_pid, pssim_host_pid(m));
    assert_ptr_equal(e->cur_tid, pssim_host_tid(m));
    assert_ptr_equal(e->creating.UniqueProcess, e->cur_pid);
    assert_ptr_equal(e->creating.UniqueThread, e->cur_tid);
    assert_int_equal(e->irql, PASSIVE_LEVEL);
    assert_true(e->apcs_disabled);
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, TRUE), STATUS_SUCCESS);
}

/* PROC-NOTIFY-10: exit runs on the last thread of the process, after its thread-exit call
 * (THREAD-NOTIFY-9), so the current process is the exiting one. */
static void test_exit_context_is_last_thread(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, FALSE), STATUS_SUCCESS);
    HANDLE pid, tid;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\a.exe", &pid, &tid), STATUS_SUCCESS);
    assert_int_equal(pssim_thread_exit(m, tid, 0x1234), STATUS_SUCCESS);
    int i = rec_find("procex", 1);
    assert_true(i > 0);
    assert_int_equal(rec_log[i].create, 0);
    assert_ptr_equal(rec_log[i].cur_pid, pid);
    assert_ptr_equal(rec_log[i].cur_tid, tid);
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, TRUE), STATUS_SUCCESS);
}

/* PROC-NOTIFY-6: CreateInfo contents: Size, FileOpenNameAvailable, ImageFileName, parent,
 * FileObject present, CommandLine NULL when none was given. */
static void test_create_info_contents(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, FALSE), STATUS_SUCCESS);
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\Device\\HarddiskVolume2\\Windows\\cmd.exe";
    HANDLE pid;
    assert_int_equal(pssim_process_create(m, &p, &pid, NULL), STATUS_SUCCESS);
    rec_event *e = &rec_log[0];
    assert_string_equal(e->image, "\\Device\\HarddiskVolume2\\Windows\\cmd.exe");
    assert_int_equal(e->flags & 0x1, 0x1); /* FileOpenNameAvailable */
    assert_int_equal(e->flags & 0x2, 0);   /* IsSubsystemProcess only for subsystem processes */
    assert_int_equal(e->has_cmdline, 0);
    assert_non_null(e->file_object);
    assert_ptr_equal(e->parent, pssim_host_pid(m));

    p.command_line = "cmd.exe /c dir";
    p.file_open_name_unavailable = true;
    rec_reset();
    assert_int_equal(pssim_process_create(m, &p, &pid, NULL), STATUS_SUCCESS);
    assert_int_equal(rec_log[0].has_cmdline, 1);
    assert_int_equal(rec_log[0].flags & 0x1, 0);
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, TRUE), STATUS_SUCCESS);
}

/* PROC-NOTIFY-6 / QUERY-11: ParentProcessId is the given parent, which differs from the
 * creator (re-parented creation). */
static void test_reparented_parent(void **state)
{
    pssim_machine *m = *state;
    HANDLE parent;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\explorer.exe", &parent, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, FALSE), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_SUCCESS);
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\Device\\HarddiskVolume2\\child.exe";
    p.parent_pid = parent;
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), STATUS_SUCCESS);
    int ex = rec_find("procex", 0), pl = rec_find("proc", 0);
    assert_ptr_equal(rec_log[ex].parent, parent);
    assert_ptr_equal(rec_log[ex].creating.UniqueProcess, pssim_host_pid(m));
    assert_ptr_equal(rec_log[pl].parent, parent); /* PROC-NOTIFY-16: same value both ways */
    PsSetCreateProcessNotifyRoutineEx(ex_a, TRUE);
    PsSetCreateProcessNotifyRoutine(plain_a, TRUE);
}

/* PROC-NOTIFY-3 / PROC-REG-8: slot order, plain and Ex interleaved, lowest free slot reused. */
static void test_slot_order_and_lowest_free_slot(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_SUCCESS); /* 0 */
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, FALSE), STATUS_SUCCESS);  /* 1 */
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_b, FALSE), STATUS_SUCCESS); /* 2 */
    assert_int_equal(spawn(m, "\\x.exe", NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(rec_count, 3);
    assert_int_equal(rec_log[0].slot_tag, 1);
    assert_string_equal(rec_log[1].kind, "procex");
    assert_int_equal(rec_log[2].slot_tag, 2);
    /* Free slot 0; a later registration takes it and runs first. */
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, TRUE), STATUS_SUCCESS);
    assert_int_equal(
        PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, AS_PVOID(ex2_a), FALSE),
        STATUS_SUCCESS);
    rec_reset();
    assert_int_equal(spawn(m, "\\y.exe", NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(rec_count, 3);
    assert_string_equal(rec_log[0].kind, "procex2");
    assert_string_equal(rec_log[1].kind, "procex");
    assert_int_equal(rec_log[2].slot_tag, 2);
    PsSetCreateProcessNotifyRoutineEx(ex_a, TRUE);
    PsSetCreateProcessNotifyRoutine(plain_b, TRUE);
    PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, AS_PVOID(ex2_a), TRUE);
}

/* PROC-REG-2/3: 64 slots shared by all flavours; the 65th registration fails with
 * STATUS_INVALID_PARAMETER. */
static void test_table_full(void **state)
{
    (void)state;
    for (int i = 0; i < 32; i++)
        assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_SUCCESS);
    for (int i = 0; i < 32; i++)
        assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, FALSE), STATUS_SUCCESS);
    assert_int_equal(
        PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, AS_PVOID(ex2_a), FALSE),
        STATUS_INVALID_PARAMETER);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_b, FALSE), STATUS_INVALID_PARAMETER);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, TRUE), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_b, FALSE), STATUS_SUCCESS);
}

/* PROC-REG-6: Ex2 with a type other than PsCreateProcessNotifySubsystems. */
static void test_ex2_bad_type(void **state)
{
    (void)state;
    assert_int_equal(
        PsSetCreateProcessNotifyRoutineEx2((PSCREATEPROCESSNOTIFYTYPE)1, AS_PVOID(ex2_a), FALSE),
        STATUS_INVALID_PARAMETER);
}

/* PROC-REG-7: duplicates take two slots and are called twice by default; the documented
 * rejection is a machine option. */
static void test_duplicate_registration(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_SUCCESS);
    assert_int_equal(spawn(m, "\\d.exe", NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(rec_count, 2);

    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.duplicate_notify = PSSIM_DUPLICATE_REJECT;
    pssim_machine *m2;
    assert_int_equal(pssim_machine_create(&cfg, &m2), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_INVALID_PARAMETER);
    /* A different flavour of the same pointer is not a duplicate. */
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(
                         (PCREATE_PROCESS_NOTIFY_ROUTINE_EX)(void (*)(void))plain_a, FALSE),
                     STATUS_SUCCESS);
    pssim_machine_destroy(m2);
}

/* PROC-REG-9/10: removal matches pointer and flavour; the plain setter cannot remove an Ex
 * registration, nor the Ex setter an Ex2 one; unknown routines: STATUS_PROCEDURE_NOT_FOUND. */
static void test_flavour_matched_removal(void **state)
{
    (void)state;
    PCREATE_PROCESS_NOTIFY_ROUTINE as_plain = (PCREATE_PROCESS_NOTIFY_ROUTINE)(void (*)(void))ex_a;
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, FALSE), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(as_plain, TRUE), STATUS_PROCEDURE_NOT_FOUND);
    assert_int_equal(
        PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, AS_PVOID(ex_a), TRUE),
        STATUS_PROCEDURE_NOT_FOUND);
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, TRUE), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, TRUE), STATUS_PROCEDURE_NOT_FOUND);
    assert_int_equal(
        PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, AS_PVOID(ex2_a), FALSE),
        STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex2_a, TRUE), STATUS_PROCEDURE_NOT_FOUND);
    assert_int_equal(
        PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, AS_PVOID(ex2_a), TRUE),
        STATUS_SUCCESS);
}

/* PROC-NOTIFY-7/8/11 and Appendix A (denied create): the denier's status is returned, later
 * slots never see the create, every routine sees the exit, the PID is not alive. */
static void test_denial(void **state)
{
    pssim_machine *m = *state;
    deny_with = STATUS_ACCESS_DENIED;
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, FALSE), STATUS_SUCCESS);      /* 0 */
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_denier, FALSE), STATUS_SUCCESS); /* 1 */
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_after, FALSE), STATUS_SUCCESS);  /* 2 */
    HANDLE pid = (HANDLE)1, tid = (HANDLE)1;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\evil.exe", &pid, &tid),
                     STATUS_ACCESS_DENIED);
    assert_null(pid);
    assert_null(tid);
    /* create: ex_a, denier; after never sees it. exit: all three. */
    assert_int_equal(rec_count, 5);
    assert_string_equal(rec_log[0].kind, "procex");
    assert_int_equal(rec_log[0].create, 1);
    assert_int_equal(rec_log[0].creation_status, STATUS_SUCCESS); /* PROC-NOTIFY-7: starts at 0 */
    assert_string_equal(rec_log[1].kind, "denier");
    assert_int_equal(rec_log[1].create, 1);
    assert_string_equal(rec_log[2].kind, "procex");
    assert_int_equal(rec_log[2].create, 0);
    assert_string_equal(rec_log[3].kind, "denier");
    assert_int_equal(rec_log[3].create, 0);
    assert_string_equal(rec_log[4].kind, "after");
    assert_int_equal(rec_log[4].create, 0);
    HANDLE denied_pid = rec_log[0].pid;
    PEPROCESS p;
    assert_int_equal(PsLookupProcessByProcessId(denied_pid, &p), STATUS_INVALID_CID);

    /* PROC-NOTIFY-7: a warning code (negative) denies too; PROC-NOTIFY-8: success and
     * informational codes change nothing. */
    deny_with = (NTSTATUS)0x80000005L;
    assert_int_equal(spawn(m, "\\w.exe", NULL, NULL), (NTSTATUS)0x80000005L);
    deny_with = (NTSTATUS)0x40000000L;
    assert_int_equal(spawn(m, "\\i.exe", &pid, NULL), STATUS_SUCCESS);
    assert_non_null(pid);
    PsSetCreateProcessNotifyRoutineEx(ex_a, TRUE);
    PsSetCreateProcessNotifyRoutineEx(ex_denier, TRUE);
    PsSetCreateProcessNotifyRoutineEx(ex_after, TRUE);
}

/* PROC-NOTIFY-9: plain routines are still called and cannot deny; the denial comes from Ex. */
static void test_plain_cannot_deny(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_SUCCESS);
    assert_int_equal(spawn(m, "\\p.exe", NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(rec_count, 1);
    PsSetCreateProcessNotifyRoutine(plain_a, TRUE);
}

/* PROC-NOTIFY-14/15: subsystem (WSL) processes reach only Ex2 routines, with
 * IsSubsystemProcess set and the Linux command line with NUL separators; Ex2 routines also see
 * Win32 processes. */
static void test_subsystem_filtering(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_a, FALSE), STATUS_SUCCESS);
    assert_int_equal(
        PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, AS_PVOID(ex2_a), FALSE),
        STATUS_SUCCESS);
    static const char cmd[] = "/bin/ls\0-l\0/tmp";
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "/usr/bin/ls";
    p.subsystem = PSSIM_SUBSYSTEM_WSL;
    p.command_line = cmd;
    p.command_line_length = sizeof(cmd) - 1;
    HANDLE pid;
    assert_int_equal(pssim_process_create(m, &p, &pid, NULL), STATUS_SUCCESS);
    assert_int_equal(rec_count, 1);
    assert_string_equal(rec_log[0].kind, "procex2");
    assert_int_equal(rec_log[0].flags & 0x2, 0x2);
    assert_int_equal(rec_log[0].has_cmdline, 1);
    assert_int_equal(pssim_process_terminate(m, pid, 0), STATUS_SUCCESS);
    assert_int_equal(rec_count, 2);
    assert_string_equal(rec_log[1].kind, "procex2");
    rec_reset();
    assert_int_equal(spawn(m, "\\win32.exe", NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(rec_count, 3);
    assert_int_equal(rec_count_kind("procex2"), 1);
    assert_int_equal(rec_log[rec_find("procex2", 0)].flags & 0x2, 0);
    PsSetCreateProcessNotifyRoutine(plain_a, TRUE);
    PsSetCreateProcessNotifyRoutineEx(ex_a, TRUE);
    PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, AS_PVOID(ex2_a), TRUE);
}

/* PROC-NOTIFY-12 / PROC-NOTIFY-1: a process with no thread gets no create call; its exit is
 * delivered only with the orphan-exit option. The first thread inserted later triggers the
 * create call. */
static void test_threadless_process(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_SUCCESS);
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\nothread.exe";
    p.flags = PSSIM_PROCESS_NO_INITIAL_THREAD;
    HANDLE pid, tid;
    assert_int_equal(pssim_process_create(m, &p, &pid, &tid), STATUS_SUCCESS);
    assert_null(tid);
    assert_int_equal(rec_count, 0);
    assert_int_equal(pssim_process_terminate(m, pid, 0), STATUS_SUCCESS);
    assert_int_equal(rec_count, 0);

    assert_int_equal(pssim_process_create(m, &p, &pid, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_thread_create(m, pid, &tid), STATUS_SUCCESS);
    assert_int_equal(rec_count, 1);
    assert_int_equal(rec_log[0].create, 1);
    assert_ptr_equal(rec_log[0].pid, pid);
    PsSetCreateProcessNotifyRoutine(plain_a, TRUE);

    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.orphan_exit = true;
    pssim_machine *m2;
    assert_int_equal(pssim_machine_create(&cfg, &m2), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_SUCCESS);
    rec_reset();
    assert_int_equal(pssim_process_create(m2, &p, &pid, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(m2, pid, 0), STATUS_SUCCESS);
    assert_int_equal(rec_count, 1);
    assert_int_equal(rec_log[0].create, 0);
    pssim_machine_destroy(m2);
}

/* PROC-REG-13: registration does not replay; a routine can see an exit without the create. */
static void test_no_replay_exit_without_create(void **state)
{
    pssim_machine *m = *state;
    HANDLE pid;
    assert_int_equal(spawn(m, "\\old.exe", &pid, NULL), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), STATUS_SUCCESS);
    assert_int_equal(rec_count, 0);
    assert_int_equal(pssim_process_terminate(m, pid, 0), STATUS_SUCCESS);
    assert_int_equal(rec_count, 1);
    assert_int_equal(rec_log[0].create, 0);
    PsSetCreateProcessNotifyRoutine(plain_a, TRUE);
}

/* PROC-NOTIFY-13: the PID stays valid during the exit call and while referenced after it. */
static HANDLE lookup_pid;
static NTSTATUS lookup_status;
static void ex_lookup_on_exit(PEPROCESS process, HANDLE pid, PPS_CREATE_NOTIFY_INFO ci)
{
    (void)process;
    if (!ci) {
        PEPROCESS p;
        lookup_status = PsLookupProcessByProcessId(pid, &p);
        if (NT_SUCCESS(lookup_status))
            ObDereferenceObject(p);
        lookup_pid = pid;
    }
}

static void test_pid_valid_during_exit(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_lookup_on_exit, FALSE), STATUS_SUCCESS);
    HANDLE pid;
    assert_int_equal(spawn(m, "\\e.exe", &pid, NULL), STATUS_SUCCESS);
    PEPROCESS keep;
    assert_int_equal(PsLookupProcessByProcessId(pid, &keep), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(m, pid, 0x77), STATUS_SUCCESS);
    assert_ptr_equal(lookup_pid, pid);
    assert_int_equal(lookup_status, STATUS_SUCCESS);
    PEPROCESS again;
    assert_int_equal(PsLookupProcessByProcessId(pid, &again), STATUS_SUCCESS);
    assert_int_equal(PsGetProcessExitStatus(again), 0x77);
    ObDereferenceObject(again);
    ObDereferenceObject(keep);
    assert_int_equal(PsLookupProcessByProcessId(pid, &again), STATUS_INVALID_CID);
    PsSetCreateProcessNotifyRoutineEx(ex_lookup_on_exit, TRUE);
}

/* PROC-REG-11: removing a routine from inside itself would wait forever: pssim stops the
 * machine with the Verifier's self-deadlock code instead of hanging. */
static void ex_removes_itself(PEPROCESS process, HANDLE pid, PPS_CREATE_NOTIFY_INFO ci);
static void ex_removes_itself(PEPROCESS process, HANDLE pid, PPS_CREATE_NOTIFY_INFO ci)
{
    (void)process;
    (void)pid;
    (void)ci;
    PsSetCreateProcessNotifyRoutineEx(ex_removes_itself, TRUE);
}

static void test_remove_from_inside_routine(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(ex_removes_itself, FALSE), STATUS_SUCCESS);
    assert_int_equal(spawn(m, "\\r.exe", NULL, NULL), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0x1000);
    assert_non_null(strstr(bc.text, "PROC-REG-11"));
    assert_int_equal(spawn(m, "\\after.exe", NULL, NULL), PSSIM_STATUS_BUGCHECK);
}

/* PROC-REG-5: Ex and Ex2 need FORCE_INTEGRITY; the host image has it (api-contract). Driver
 * ownership is tested in test_driver.c; bad input here: NULL routines. */
static void test_bad_input(void **state)
{
    (void)state;
    assert_int_equal(PsSetCreateProcessNotifyRoutine(NULL, FALSE), STATUS_INVALID_PARAMETER);
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(NULL, FALSE), STATUS_INVALID_PARAMETER);
    assert_int_equal(
        PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, NULL, FALSE),
        STATUS_INVALID_PARAMETER);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(NULL, TRUE), STATUS_PROCEDURE_NOT_FOUND);
}

/* PROC-REG-14: registration above PASSIVE_LEVEL is the IrqlPsPassive violation 0xC4/0x2001C. */
static void test_register_at_raised_irql(void **state)
{
    pssim_machine *m = *state;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_a, FALSE), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0x0002001C);
    KeLowerIrql(old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_create_and_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_context_is_creator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_context_is_last_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_info_contents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reparented_parent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slot_order_and_lowest_free_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ex2_bad_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_registration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flavour_matched_removal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_denial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_cannot_deny, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subsystem_filtering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threadless_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_replay_exit_without_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pid_valid_during_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_from_inside_routine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_at_raised_irql, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
