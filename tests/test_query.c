/* test_query.c: ZwQueryInformationProcess / ZwQueryInformationThread (ps-semantics section 4). */
#include "support.h"

#include <stdlib.h>

REC_DEFINE_STORAGE;

static pssim_machine *m;
static HANDLE win_pid, win_tid, wsl_pid, wsl_tid;

static int setup(void **state)
{
    (void)state;
    m = new_machine();
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\Device\\HarddiskVolume2\\Windows\\notepad.exe";
    p.command_line = "notepad.exe a.txt";
    assert_int_equal(pssim_process_create(m, &p, &win_pid, &win_tid), STATUS_SUCCESS);
    static const char cmd[] = "/bin/ls\0-l";
    pssim_process_params_init(&p);
    p.image_path = "/bin/ls";
    p.subsystem = PSSIM_SUBSYSTEM_WSL;
    p.command_line = cmd;
    p.command_line_length = sizeof(cmd) - 1;
    assert_int_equal(pssim_process_create(m, &p, &wsl_pid, &wsl_tid), STATUS_SUCCESS);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pssim_machine_destroy(m);
    return 0;
}

static HANDLE open_process(HANDLE pid)
{
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    CLIENT_ID cid = {pid, NULL};
    HANDLE h = NULL;
    assert_int_equal(ZwOpenProcess(&h, PROCESS_ALL_ACCESS, &oa, &cid), STATUS_SUCCESS);
    return h;
}

static HANDLE open_thread(HANDLE tid)
{
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    CLIENT_ID cid = {NULL, tid};
    HANDLE h = NULL;
    assert_int_equal(ZwOpenThread(&h, THREAD_ALL_ACCESS, &oa, &cid), STATUS_SUCCESS);
    return h;
}

/* QUERY-4/6/9/10/11: basic information, exact length, the PEB only for Win32 processes. */
static void test_process_basic(void **state)
{
    (void)state;
    HANDLE h = open_process(win_pid);
    PROCESS_BASIC_INFORMATION pbi;
    ULONG ret = 0;
    assert_int_equal(ZwQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi), &ret),
                     STATUS_SUCCESS);
    assert_int_equal(ret, sizeof(pbi));
    assert_int_equal(pbi.UniqueProcessId, (ULONG_PTR)win_pid);
    assert_int_equal(pbi.InheritedFromUniqueProcessId, (ULONG_PTR)pssim_host_pid(m));
    assert_int_equal(pbi.ExitStatus, STATUS_PENDING);
    assert_non_null(pbi.PebBaseAddress);
    assert_int_equal(
        ZwQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi) - 1, &ret),
        STATUS_INFO_LENGTH_MISMATCH);
    PROCESS_EXTENDED_BASIC_INFORMATION ext;
    assert_int_equal(ZwQueryInformationProcess(h, ProcessBasicInformation, &ext, sizeof(ext), &ret),
                     STATUS_SUCCESS);
    assert_int_equal(ext.Size, sizeof(ext));
    assert_int_equal(ext.IsSubsystemProcess, 0);
    ZwClose(h);

    h = open_process(wsl_pid);
    assert_int_equal(ZwQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi), NULL),
                     STATUS_SUCCESS);
    assert_null(pbi.PebBaseAddress);
    ZwClose(h);
}

/* QUERY-4: the length is checked before the handle. */
static void test_length_before_handle(void **state)
{
    (void)state;
    PROCESS_BASIC_INFORMATION pbi;
    assert_int_equal(
        ZwQueryInformationProcess((HANDLE)0x1230, ProcessBasicInformation, &pbi, 3, NULL),
        STATUS_INFO_LENGTH_MISMATCH);
    assert_int_equal(
        ZwQueryInformationProcess((HANDLE)0x1230, ProcessBasicInformation, &pbi, sizeof(pbi), NULL),
        STATUS_INVALID_HANDLE);
}

/* QUERY-5: ProcessImageFileName: too small gives the needed size; success writes the string
 * after the UNICODE_STRING. */
static void test_image_file_name(void **state)
{
    (void)state;
    HANDLE h = open_process(win_pid);
    ULONG need = 0;
    assert_int_equal(ZwQueryInformationProcess(h, ProcessImageFileName, NULL, 0, &need),
                     STATUS_INFO_LENGTH_MISMATCH);
    const char *expect = "\\Device\\HarddiskVolume2\\Windows\\notepad.exe";
    assert_int_equal(need, sizeof(UNICODE_STRING) + (strlen(expect) + 1) * sizeof(WCHAR));
    void *buf = malloc(need);
    ULONG ret = 0;
    assert_int_equal(ZwQueryInformationProcess(h, ProcessImageFileName, buf, need, &ret),
                     STATUS_SUCCESS);
    assert_int_equal(ret, need);
    rec_event e;
    rec_copy_name(&e, (PCUNICODE_STRING)buf);
    assert_string_equal(e.image, expect);
    assert_ptr_equal(((UNICODE_STRING *)buf)->Buffer, (WCHAR *)((UNICODE_STRING *)buf + 1));
    free(buf);
    ZwClose(h);
}

/* PROC-NOTIFY-15 / ProcessCommandLineInformation: the WSL command line keeps its NULs. */
static void test_command_line(void **state)
{
    (void)state;
    HANDLE h = open_process(wsl_pid);
    char buf[256];
    ULONG ret;
    assert_int_equal(
        ZwQueryInformationProcess(h, ProcessCommandLineInformation, buf, sizeof(buf), &ret),
        STATUS_SUCCESS);
    rec_event e;
    rec_copy_name(&e, (PCUNICODE_STRING)buf);
    assert_string_equal(e.image, "/bin/ls|-l"); /* the recorder shows NUL as '|' */
    ZwClose(h);
}

/* QUERY-8: subsystem type, exact length; ThreadSubsystemInformation likewise. */
static void test_subsystem_information(void **state)
{
    (void)state;
    SUBSYSTEM_INFORMATION_TYPE t = MaxSubsystemInformationType;
    HANDLE h = open_process(wsl_pid);
    assert_int_equal(ZwQueryInformationProcess(h, ProcessSubsystemInformation, &t, sizeof(t), NULL),
                     STATUS_SUCCESS);
    assert_int_equal(t, SubsystemInformationTypeWSL);
    assert_int_equal(ZwQueryInformationProcess(h, ProcessSubsystemInformation, &t, 8, NULL),
                     STATUS_INFO_LENGTH_MISMATCH);
    ZwClose(h);
    assert_int_equal(ZwQueryInformationProcess(NtCurrentProcess(), ProcessSubsystemInformation, &t,
                                               sizeof(t), NULL),
                     STATUS_SUCCESS);
    assert_int_equal(t, SubsystemInformationTypeWin32);
    HANDLE th = open_thread(wsl_tid);
    assert_int_equal(ZwQueryInformationThread(th, ThreadSubsystemInformation, &t, sizeof(t), NULL),
                     STATUS_SUCCESS);
    assert_int_equal(t, SubsystemInformationTypeWSL);
    ZwClose(th);
}

/* QUERY-3: unsupported or out-of-range classes. QUERY-7: a thread handle for a process query. */
static void test_bad_class_and_type(void **state)
{
    (void)state;
    ULONG v;
    assert_int_equal(
        ZwQueryInformationProcess(NtCurrentProcess(), (PROCESSINFOCLASS)9999, &v, sizeof(v), NULL),
        STATUS_INVALID_INFO_CLASS);
    assert_int_equal(
        ZwQueryInformationProcess(NtCurrentProcess(), ProcessBasePriority, &v, sizeof(v), NULL),
        STATUS_INVALID_INFO_CLASS);
    HANDLE th = open_thread(win_tid);
    PROCESS_BASIC_INFORMATION pbi;
    assert_int_equal(
        ZwQueryInformationProcess(th, ProcessBasicInformation, &pbi, sizeof(pbi), NULL),
        STATUS_OBJECT_TYPE_MISMATCH);
    THREAD_BASIC_INFORMATION tbi;
    assert_int_equal(ZwQueryInformationThread(NtCurrentProcess(), ThreadBasicInformation, &tbi,
                                              sizeof(tbi), NULL),
                     STATUS_OBJECT_TYPE_MISMATCH);
    ZwClose(th);
}

/* Thread queries: basic information (TEB only for Win32 user threads, QUERY-9), ThreadIsTerminated,
 * exit status (QUERY-10) after exit while a handle keeps the thread. */
static void test_thread_queries(void **state)
{
    (void)state;
    HANDLE th = open_thread(win_tid);
    THREAD_BASIC_INFORMATION tbi;
    assert_int_equal(ZwQueryInformationThread(th, ThreadBasicInformation, &tbi, sizeof(tbi), NULL),
                     STATUS_SUCCESS);
    assert_ptr_equal(tbi.ClientId.UniqueThread, win_tid);
    assert_ptr_equal(tbi.ClientId.UniqueProcess, win_pid);
    assert_int_equal(tbi.ExitStatus, STATUS_PENDING);
    assert_non_null(tbi.TebBaseAddress);
    ULONG term = 7;
    assert_int_equal(ZwQueryInformationThread(th, ThreadIsTerminated, &term, sizeof(term), NULL),
                     STATUS_SUCCESS);
    assert_int_equal(term, 0);
    assert_int_equal(pssim_thread_exit(m, win_tid, 0x99), STATUS_SUCCESS);
    assert_int_equal(ZwQueryInformationThread(th, ThreadIsTerminated, &term, sizeof(term), NULL),
                     STATUS_SUCCESS);
    assert_int_equal(term, 1);
    assert_int_equal(ZwQueryInformationThread(th, ThreadBasicInformation, &tbi, sizeof(tbi), NULL),
                     STATUS_SUCCESS);
    assert_int_equal(tbi.ExitStatus, 0x99);
    ZwClose(th);
    th = open_thread(wsl_tid);
    assert_int_equal(ZwQueryInformationThread(th, ThreadBasicInformation, &tbi, sizeof(tbi), NULL),
                     STATUS_SUCCESS);
    assert_null(tbi.TebBaseAddress); /* QUERY-9 */
    ZwClose(th);
}

/* ProcessTimes: create time from KeQuerySystemTime at creation; exit time once exited. */
static void test_process_times(void **state)
{
    (void)state;
    HANDLE h = open_process(win_pid);
    KERNEL_USER_TIMES t;
    assert_int_equal(ZwQueryInformationProcess(h, ProcessTimes, &t, sizeof(t), NULL),
                     STATUS_SUCCESS);
    PEPROCESS p;
    assert_int_equal(PsLookupProcessByProcessId(win_pid, &p), STATUS_SUCCESS);
    assert_int_equal(t.CreateTime.QuadPart, PsGetProcessCreateTimeQuadPart(p));
    assert_int_equal(t.ExitTime.QuadPart, 0);
    assert_int_equal(pssim_process_terminate(m, win_pid, 1), STATUS_SUCCESS);
    assert_int_equal(ZwQueryInformationProcess(h, ProcessTimes, &t, sizeof(t), NULL),
                     STATUS_SUCCESS);
    assert_true(t.ExitTime.QuadPart >= t.CreateTime.QuadPart);
    ObDereferenceObject(p);
    ZwClose(h);
}

/* QUERY-2: a Zw query above PASSIVE_LEVEL is the Verifier's 0xC4 / 0xE6. */
static void test_query_at_raised_irql(void **state)
{
    (void)state;
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    ULONG v;
    assert_int_equal(ZwQueryInformationProcess(NtCurrentProcess(), ProcessSubsystemInformation, &v,
                                               sizeof(v), NULL),
                     PSSIM_STATUS_BUGCHECK);
    KeLowerIrql(old);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0xE6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_process_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_length_before_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_file_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subsystem_information, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_class_and_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thread_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_at_raised_irql, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
