/* test_notify_thread_image.c: thread and image notify routines and the Appendix A order
 * (ps-semantics sections 2 and 3). */
#include "support.h"

REC_DEFINE_STORAGE;

static void thread_plain(HANDLE pid, HANDLE tid, BOOLEAN create)
{
    rec_event *e = rec_add("thread");
    e->pid = pid;
    e->tid = tid;
    e->create = create;
}

static void thread_nonsystem(HANDLE pid, HANDLE tid, BOOLEAN create)
{
    rec_event *e = rec_add("nonsystem");
    e->pid = pid;
    e->tid = tid;
    e->create = create;
}

static void thread_subsystems(HANDLE pid, HANDLE tid, BOOLEAN create)
{
    rec_event *e = rec_add("subsystems");
    e->pid = pid;
    e->tid = tid;
    e->create = create;
}

static void proc_plain(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    rec_event *e = rec_add("proc");
    e->parent = parent;
    e->pid = pid;
    e->create = create;
}

static void image_plain(PUNICODE_STRING name, HANDLE pid, PIMAGE_INFO info)
{
    rec_event *e = rec_add("image");
    e->pid = pid;
    rec_copy_name(e, name);
    e->flags = info->Properties;
    e->image_base = (ULONG_PTR)info->ImageBase;
    e->image_size = info->ImageSize;
    if (info->ExtendedInfoPresent) {
        PIMAGE_INFO_EX ex = CONTAINING_RECORD(info, IMAGE_INFO_EX, ImageInfo);
        assert_int_equal(ex->Size, sizeof(IMAGE_INFO_EX));
        e->file_object = ex->FileObject;
    }
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

static void register_all(void)
{
    assert_int_equal(PsSetCreateProcessNotifyRoutine(proc_plain, FALSE), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateThreadNotifyRoutine(thread_plain), STATUS_SUCCESS);
    assert_int_equal(
        PsSetCreateThreadNotifyRoutineEx(PsCreateThreadNotifyNonSystem, AS_PVOID(thread_nonsystem)),
        STATUS_SUCCESS);
    assert_int_equal(PsSetCreateThreadNotifyRoutineEx(PsCreateThreadNotifySubsystems,
                                                      AS_PVOID(thread_subsystems)),
                     STATUS_SUCCESS);
    assert_int_equal(PsSetLoadImageNotifyRoutine(image_plain), STATUS_SUCCESS);
}

static void unregister_all(void)
{
    assert_int_equal(PsSetCreateProcessNotifyRoutine(proc_plain, TRUE), STATUS_SUCCESS);
    assert_int_equal(PsRemoveCreateThreadNotifyRoutine(thread_plain), STATUS_SUCCESS);
    assert_int_equal(PsRemoveCreateThreadNotifyRoutine(thread_nonsystem), STATUS_SUCCESS);
    assert_int_equal(PsRemoveCreateThreadNotifyRoutine(thread_subsystems), STATUS_SUCCESS);
    assert_int_equal(PsRemoveLoadImageNotifyRoutine(image_plain), STATUS_SUCCESS);
}

/* Appendix A, THREAD-NOTIFY-1/5/8, IMAGE-NOTIFY-5: process create, plain and Subsystems
 * thread create on the creator, then on the new thread the EXE, ntdll and NonSystem create. */
static void test_creation_order(void **state)
{
    pssim_machine *m = *state;
    register_all();
    HANDLE pid, tid;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\Windows\\notepad.exe", &pid, &tid),
                     STATUS_SUCCESS);
    assert_int_equal(rec_count, 6);
    const char *order[] = {"proc", "thread", "subsystems", "image", "image", "nonsystem"};
    for (int i = 0; i < 6; i++)
        assert_string_equal(rec_log[i].kind, order[i]);
    /* creator context for 0..2, the new thread for 3..5 */
    for (int i = 0; i < 3; i++) {
        assert_ptr_equal(rec_log[i].cur_tid, pssim_host_tid(m));
        assert_ptr_equal(rec_log[i].cur_pid, pssim_host_pid(m));
    }
    for (int i = 3; i < 6; i++) {
        assert_ptr_equal(rec_log[i].cur_tid, tid);
        assert_ptr_equal(rec_log[i].cur_pid, pid);
    }
    assert_ptr_equal(rec_log[1].tid, tid);
    assert_ptr_equal(rec_log[1].pid, pid);
    assert_string_equal(rec_log[3].image, "\\Device\\HarddiskVolume2\\Windows\\notepad.exe");
    assert_string_equal(rec_log[4].image, "\\SystemRoot\\System32\\ntdll.dll");
    /* IMAGE-NOTIFY-5/8/9: Properties 0x403 for both; FileObject present. */
    assert_int_equal(rec_log[3].flags, 0x403);
    assert_int_equal(rec_log[4].flags, 0x403);
    assert_ptr_equal(rec_log[3].pid, pid);
    assert_non_null(rec_log[3].file_object);
    assert_int_equal(rec_log[3].image_size, 0x10000);
    /* THREAD-NOTIFY-5: NonSystem runs with special kernel APCs disabled too. */
    assert_true(rec_log[5].all_apcs_disabled);
    unregister_all();
}

/* Appendix A exit, THREAD-NOTIFY-2/6/9: each thread's exit on itself, all flavours; the last
 * thread's exit before the process exit. */
static void test_exit_order(void **state)
{
    pssim_machine *m = *state;
    register_all();
    HANDLE pid, t1, t2;
    assert_int_equal(spawn(m, "\\two.exe", &pid, &t1), STATUS_SUCCESS);
    assert_int_equal(pssim_thread_create(m, pid, &t2), STATUS_SUCCESS);
    rec_reset();
    assert_int_equal(pssim_process_terminate(m, pid, 3), STATUS_SUCCESS);
    /* t1 exits first (creation order): 3 thread-exit calls on t1, then t2: 3 calls + proc. */
    assert_int_equal(rec_count, 7);
    for (int i = 0; i < 3; i++) {
        assert_ptr_equal(rec_log[i].tid, t1);
        assert_ptr_equal(rec_log[i].cur_tid, t1);
        assert_int_equal(rec_log[i].create, 0);
    }
    for (int i = 3; i < 6; i++) {
        assert_ptr_equal(rec_log[i].tid, t2);
        assert_ptr_equal(rec_log[i].cur_tid, t2);
    }
    assert_string_equal(rec_log[6].kind, "proc");
    assert_int_equal(rec_log[6].create, 0);
    assert_ptr_equal(rec_log[6].cur_tid, t2);
    unregister_all();
}

/* THREAD-NOTIFY-1: a thread created in another process: the plain call runs on the creator,
 * so the current process differs from ProcessId; no image calls for a second thread. */
static void test_remote_thread_create(void **state)
{
    pssim_machine *m = *state;
    register_all();
    HANDLE pid, tid2;
    assert_int_equal(spawn(m, "\\target.exe", &pid, NULL), STATUS_SUCCESS);
    rec_reset();
    assert_int_equal(pssim_thread_create(m, pid, &tid2), STATUS_SUCCESS);
    assert_int_equal(rec_count, 3);
    assert_string_equal(rec_log[0].kind, "thread");
    assert_ptr_equal(rec_log[0].cur_pid, pssim_host_pid(m));
    assert_true(rec_log[0].cur_pid != pid);
    assert_string_equal(rec_log[2].kind, "nonsystem");
    assert_ptr_equal(rec_log[2].cur_tid, tid2);
    unregister_all();
}

/* THREAD-NOTIFY-7 / PROC-NOTIFY-14: threads of a WSL process reach only Subsystems routines,
 * on create and exit; no image calls at WSL process creation (api-contract). */
static void test_pico_threads(void **state)
{
    pssim_machine *m = *state;
    register_all();
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "/usr/bin/bash";
    p.subsystem = PSSIM_SUBSYSTEM_WSL;
    HANDLE pid, tid;
    assert_int_equal(pssim_process_create(m, &p, &pid, &tid), STATUS_SUCCESS);
    assert_int_equal(rec_count, 1);
    assert_string_equal(rec_log[0].kind, "subsystems");
    assert_int_equal(rec_log[0].create, 1);
    assert_int_equal(pssim_thread_exit(m, tid, 0), STATUS_SUCCESS);
    assert_int_equal(rec_count, 2);
    assert_string_equal(rec_log[1].kind, "subsystems");
    assert_int_equal(rec_log[1].create, 0);
    unregister_all();
}

/* THREAD-NOTIFY-5 / SYSTHREAD-10: threads of the System process are system threads: plain and
 * Subsystems routines see their creation, NonSystem does not; NonSystem sees their exit
 * (THREAD-NOTIFY-6), but system threads cannot be ended from outside (SYSTHREAD-7). */
static void test_system_thread_flavours(void **state)
{
    pssim_machine *m = *state;
    register_all();
    HANDLE tid;
    assert_int_equal(pssim_thread_create(m, PSSIM_SYSTEM_PID, &tid), STATUS_SUCCESS);
    assert_int_equal(rec_count, 2);
    assert_string_equal(rec_log[0].kind, "thread");
    assert_string_equal(rec_log[1].kind, "subsystems");
    assert_int_equal(rec_count_kind("nonsystem"), 0);
    PETHREAD t;
    assert_int_equal(PsLookupThreadByThreadId(tid, &t), STATUS_SUCCESS);
    assert_true(PsIsSystemThread(t)); /* PSAPI-4 */
    ObDereferenceObject(t);
    assert_int_equal(pssim_thread_exit(m, tid, 0), STATUS_ACCESS_DENIED);
    unregister_all();
}

/* THREAD-REG-1/2/4/5: 64 shared slots, duplicates allowed, full: INSUFFICIENT_RESOURCES;
 * THREAD-REG-3: bad Ex type; THREAD-REG-6: removal of any flavour, PROCEDURE_NOT_FOUND. */
static void test_thread_registration_rules(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetCreateThreadNotifyRoutine(thread_plain), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateThreadNotifyRoutine(thread_plain), STATUS_SUCCESS);
    assert_int_equal(pssim_thread_create(m, pssim_host_pid(m), NULL), STATUS_SUCCESS);
    assert_int_equal(rec_count_kind("thread"), 2);
    for (int i = 2; i < 64; i++)
        assert_int_equal(PsSetCreateThreadNotifyRoutineEx(PsCreateThreadNotifySubsystems,
                                                          AS_PVOID(thread_subsystems)),
                         STATUS_SUCCESS);
    assert_int_equal(PsSetCreateThreadNotifyRoutine(thread_nonsystem),
                     STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(
        PsSetCreateThreadNotifyRoutineEx((PSCREATETHREADNOTIFYTYPE)2, AS_PVOID(thread_plain)),
        STATUS_INVALID_PARAMETER);
    assert_int_equal(PsRemoveCreateThreadNotifyRoutine(thread_nonsystem),
                     STATUS_PROCEDURE_NOT_FOUND);
    assert_int_equal(PsRemoveCreateThreadNotifyRoutine(thread_subsystems), STATUS_SUCCESS);
    assert_int_equal(PsSetCreateThreadNotifyRoutine(thread_nonsystem), STATUS_SUCCESS);
}

/* IMAGE-REG-1..5: 64 slots shared, INSUFFICIENT_RESOURCES when full, Ex flags other than bit 0
 * give STATUS_INVALID_PARAMETER_2, duplicates allowed, remove any flavour. */
static void test_image_registration_rules(void **state)
{
    (void)state;
    assert_int_equal(PsSetLoadImageNotifyRoutineEx(image_plain, 0x2), STATUS_INVALID_PARAMETER_2);
    assert_int_equal(
        PsSetLoadImageNotifyRoutineEx(image_plain, PS_IMAGE_NOTIFY_CONFLICTING_ARCHITECTURE),
        STATUS_SUCCESS);
    for (int i = 1; i < 64; i++)
        assert_int_equal(PsSetLoadImageNotifyRoutine(image_plain), STATUS_SUCCESS);
    assert_int_equal(PsSetLoadImageNotifyRoutine(image_plain), STATUS_INSUFFICIENT_RESOURCES);
    for (int i = 0; i < 64; i++)
        assert_int_equal(PsRemoveLoadImageNotifyRoutine(image_plain), STATUS_SUCCESS);
    assert_int_equal(PsRemoveLoadImageNotifyRoutine(image_plain), STATUS_PROCEDURE_NOT_FOUND);
}

/* IMAGE-NOTIFY-1/3/4: DLL loads and kernel images; one call per mapping, kernel images have
 * ProcessId 0 and SystemModeImage, user images the process's ID. */
static void test_image_loads(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetLoadImageNotifyRoutine(image_plain), STATUS_SUCCESS);
    HANDLE pid;
    assert_int_equal(spawn(m, "\\app.exe", &pid, NULL), STATUS_SUCCESS);
    rec_reset();
    assert_int_equal(
        pssim_image_load(m, pid, "\\Windows\\System32\\user32.dll", 0x7FFA0000, 0x1000),
        STATUS_SUCCESS);
    assert_int_equal(
        pssim_image_load(m, pid, "\\Windows\\System32\\user32.dll", 0x7FFB0000, 0x1000),
        STATUS_SUCCESS);
    assert_int_equal(pssim_image_load(m, NULL, "\\SystemRoot\\System32\\drivers\\x.sys",
                                      0xFFFFF80000000000ULL, 0x2000),
                     STATUS_SUCCESS);
    assert_int_equal(rec_count, 3);
    assert_ptr_equal(rec_log[0].pid, pid);
    assert_ptr_equal(rec_log[0].cur_pid, pid); /* mapped by a thread of the process */
    assert_int_equal(rec_log[0].flags & 0x100, 0);
    assert_int_equal(rec_log[1].image_base, 0x7FFB0000);
    assert_null(rec_log[2].pid);
    assert_int_equal(rec_log[2].flags, 0x503);
    assert_ptr_equal(rec_log[2].cur_pid, PSSIM_SYSTEM_PID);
    /* bad input */
    assert_int_equal(pssim_image_load(m, pid, NULL, 0, 1), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_image_load(m, pid, "\\x.dll", 0, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_image_load(m, (HANDLE)0x7FF0, "\\x.dll", 0, 1), STATUS_INVALID_CID);
    assert_int_equal(pssim_image_load(NULL, pid, "\\x.dll", 0, 1), STATUS_INVALID_PARAMETER);
    assert_int_equal(PsRemoveLoadImageNotifyRoutine(image_plain), STATUS_SUCCESS);
}

/* IMAGE-NOTIFY-12: a routine returning at a raised IRQL stops the machine with 0xC8. */
static void image_leaves_irql_raised(PUNICODE_STRING name, HANDLE pid, PIMAGE_INFO info)
{
    (void)name;
    (void)pid;
    (void)info;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
}

static void test_return_state_check(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(PsSetLoadImageNotifyRoutine(image_leaves_irql_raised), STATUS_SUCCESS);
    assert_int_equal(spawn(m, "\\irql.exe", NULL, NULL), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC8);
    assert_int_equal((bc.parameters[0] >> 8) & 0xFF, PASSIVE_LEVEL);
    assert_int_equal((bc.parameters[0] >> 16) & 0xFF, DISPATCH_LEVEL);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL); /* the host thread is left usable */
}

/* THREAD-NOTIFY-10 / pairing: a thread's create and exit calls pair up, and a denied process's
 * initial thread still gets its plain create and exit calls (Appendix A, denied create). */
static void deny_all(PEPROCESS p, HANDLE pid, PPS_CREATE_NOTIFY_INFO ci)
{
    (void)p;
    (void)pid;
    if (ci)
        ci->CreationStatus = STATUS_ACCESS_DENIED;
}

static void test_denied_process_thread_calls(void **state)
{
    pssim_machine *m = *state;
    register_all();
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx(deny_all, FALSE), STATUS_SUCCESS);
    assert_int_equal(spawn(m, "\\denied.exe", NULL, NULL), STATUS_ACCESS_DENIED);
    /* proc create, thread+subsystems create (creator), no image/NonSystem create,
     * thread-exit x3 on the thread, proc exit */
    assert_int_equal(rec_count_kind("image"), 0);
    int creates = 0, exits = 0;
    for (int i = 0; i < rec_count; i++) {
        if (strcmp(rec_log[i].kind, "proc") == 0)
            continue;
        if (rec_log[i].create)
            creates++;
        else
            exits++;
    }
    assert_int_equal(creates, 2);
    assert_int_equal(exits, 3);
    assert_string_equal(rec_log[rec_count - 1].kind, "proc");
    assert_int_equal(rec_log[rec_count - 1].create, 0);
    PsSetCreateProcessNotifyRoutineEx(deny_all, TRUE);
    unregister_all();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_creation_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remote_thread_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pico_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_thread_flavours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thread_registration_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_registration_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_return_state_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_denied_process_thread_calls, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
