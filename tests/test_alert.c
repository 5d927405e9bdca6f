/* test_alert.c: which waits alerts, user APCs and termination can end (ps-semantics SYNC-2,
 * SYNC-3), on both backends. */
#include "support.h"

REC_DEFINE_STORAGE;

static pssim_machine *machine(void)
{
    return new_timed_machine(1, test_backend);
}

typedef struct probe {
    KEVENT event;
    KPROCESSOR_MODE mode;
    BOOLEAN alertable;
    bool critical;          /* wait inside a critical region (kernel APCs disabled) */
    NTSTATUS first, second; /* what the first wait and a follow-up alertable wait returned */
    uint64_t second_at;
    int after_wait; /* the body ran past the first wait */
    int apc_ran;
    HANDLE apc_tid, tid;
    int apc_before_return; /* the APC ran before the wait returned */
} probe;

static probe *the_probe;

static void user_apc(void *context)
{
    probe *p = context;
    p->apc_ran++;
    p->apc_tid = PsGetCurrentThreadId();
    p->apc_before_return = p->first == STATUS_PENDING;
}

static VOID waiter(PVOID arg)
{
    probe *p = arg;
    p->tid = PsGetCurrentThreadId();
    p->first = STATUS_PENDING;
    if (p->critical)
        KeEnterCriticalRegion();
    p->first = KeWaitForSingleObject(&p->event, Executive, p->mode, p->alertable, NULL);
    if (p->critical)
        KeLeaveCriticalRegion();
    p->after_wait++;
    /* A follow-up alertable UserMode delay picks up what the first wait left pending. */
    LARGE_INTEGER d;
    d.QuadPart = -10000000; /* 1 s */
    p->second = KeDelayExecutionThread(UserMode, TRUE, &d);
    p->second_at = KeQueryInterruptTime() * 100;
}

static HANDLE start_waiter(pssim_machine *m, probe *p, KPROCESSOR_MODE mode, BOOLEAN alertable)
{
    memset(p, 0, sizeof(*p));
    the_probe = p;
    KeInitializeEvent(&p->event, NotificationEvent, FALSE);
    p->mode = mode;
    p->alertable = alertable;
    pssim_thread_params tp;
    pssim_thread_params_init(&tp);
    tp.start = waiter;
    tp.context = p;
    HANDLE tid = NULL;
    assert_int_equal(pssim_thread_start(m, pssim_host_pid(m), &tp, &tid), STATUS_SUCCESS);
    return tid;
}

/* SYNC-2/-3: an alertable KernelMode wait ends with STATUS_ALERTED on a kernel-mode alert. */
static void test_kernel_alert_ends_alertable_wait(void **state)
{
    (void)state;
    pssim_machine *m = machine();
    probe p;
    HANDLE tid = start_waiter(m, &p, KernelMode, TRUE);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
    assert_int_equal(p.first, STATUS_PENDING);
    assert_int_equal(pssim_thread_alert(m, tid, KernelMode), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 1000000), STATUS_TIMEOUT);
    assert_int_equal(p.first, STATUS_ALERTED);
    assert_int_equal(p.after_wait, 1);
    pssim_machine_destroy(m);
}

/* SYNC-3: a user-mode alert does not end a KernelMode wait; it stays pending, and the thread's
 * next alertable UserMode wait returns STATUS_ALERTED at once. A non-alertable wait is not
 * ended by any alert. */
static void test_alert_modes_and_pending(void **state)
{
    (void)state;
    for (int alertable = 0; alertable <= 1; alertable++) {
        pssim_machine *m = machine();
        probe p;
        HANDLE tid = start_waiter(m, &p, KernelMode, (BOOLEAN)alertable);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
        assert_int_equal(pssim_thread_alert(m, tid, UserMode), STATUS_SUCCESS);
        if (!alertable)
            assert_int_equal(pssim_thread_alert(m, tid, KernelMode), STATUS_SUCCESS);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
        assert_int_equal(p.first, STATUS_PENDING);
        uint64_t t0 = pssim_machine_now(m);
        KeSetEvent(&p.event, IO_NO_INCREMENT, FALSE);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
        assert_int_equal(p.first, STATUS_SUCCESS);
        assert_int_equal(p.second, STATUS_ALERTED);
        assert_int_equal(p.second_at, t0); /* at once, no second of delay */
        pssim_machine_destroy(m);
    }
}

/* SYNC-2: a signaled object satisfies the wait even with an alert pending; SYNC-1/-2: a
 * pending alert beats a zero timeout. */
static VOID signaled_then_zero(PVOID arg)
{
    probe *p = arg;
    p->first = KeWaitForSingleObject(&p->event, Executive, UserMode, TRUE, NULL);
    LARGE_INTEGER zero;
    zero.QuadPart = 0;
    KEVENT never;
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    p->second = KeWaitForSingleObject(&never, Executive, UserMode, TRUE, &zero);
}

static void test_alert_precedence(void **state)
{
    (void)state;
    pssim_machine *m = machine();
    probe p;
    memset(&p, 0, sizeof(p));
    KeInitializeEvent(&p.event, NotificationEvent, TRUE);
    pssim_thread_params tp;
    pssim_thread_params_init(&tp);
    tp.start = signaled_then_zero;
    tp.context = &p;
    HANDLE tid = NULL;
    assert_int_equal(pssim_thread_start(m, pssim_host_pid(m), &tp, &tid), STATUS_SUCCESS);
    assert_int_equal(pssim_thread_alert(m, tid, UserMode), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(p.first, STATUS_SUCCESS);
    assert_int_equal(p.second, STATUS_ALERTED);
    pssim_machine_destroy(m);
}

/* SYNC-2/-3: a user APC ends an alertable UserMode wait with STATUS_USER_APC, its routine
 * running on that thread as the wait returns. */
static void test_user_apc_ends_alertable_user_wait(void **state)
{
    (void)state;
    pssim_machine *m = machine();
    probe p;
    HANDLE tid = start_waiter(m, &p, UserMode, TRUE);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
    assert_int_equal(pssim_thread_queue_user_apc(m, tid, user_apc, &p), STATUS_SUCCESS);
    assert_int_equal(p.apc_ran, 0); /* it runs on the thread, when the thread runs */
    assert_int_equal(pssim_machine_run(m, 1000000), STATUS_TIMEOUT);
    assert_int_equal(p.first, STATUS_USER_APC);
    assert_int_equal(p.apc_ran, 1);
    assert_ptr_equal(p.apc_tid, tid);
    assert_true(p.apc_before_return);
    pssim_machine_destroy(m);
}

/* SYNC-3: user APCs do not end a non-alertable UserMode wait, nor an alertable KernelMode
 * one; the APC waits for the thread's next alertable UserMode wait. */
static void test_user_apc_not_delivered(void **state)
{
    (void)state;
    for (int kernel = 0; kernel <= 1; kernel++) {
        pssim_machine *m = machine();
        probe p;
        HANDLE tid =
            kernel ? start_waiter(m, &p, KernelMode, TRUE) : start_waiter(m, &p, UserMode, FALSE);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
        assert_int_equal(pssim_thread_queue_user_apc(m, tid, user_apc, &p), STATUS_SUCCESS);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
        assert_int_equal(p.apc_ran, 0);
        KeSetEvent(&p.event, IO_NO_INCREMENT, FALSE);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
        assert_int_equal(p.first, STATUS_SUCCESS);
        assert_int_equal(p.second, STATUS_USER_APC);
        assert_int_equal(p.apc_ran, 1);
        pssim_machine_destroy(m);
    }
}

/* SYNC-3: with kernel APCs disabled (a critical region) a user APC does not end even an
 * alertable UserMode wait. */
static void test_user_apc_blocked_by_critical_region(void **state)
{
    (void)state;
    pssim_machine *m = machine();
    probe p;
    memset(&p, 0, sizeof(p));
    HANDLE tid = start_waiter(m, &p, UserMode, TRUE);
    p.critical = true;
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
    assert_int_equal(pssim_thread_queue_user_apc(m, tid, user_apc, &p), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
    assert_int_equal(p.apc_ran, 0);
    KeSetEvent(&p.event, IO_NO_INCREMENT, FALSE);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(p.first, STATUS_SUCCESS);
    assert_int_equal(p.second, STATUS_USER_APC); /* delivered once the region was left */
    assert_int_equal(p.apc_ran, 1);
    pssim_machine_destroy(m);
}

static PETHREAD hold(HANDLE tid)
{
    PETHREAD t = NULL;
    assert_int_equal(PsLookupThreadByThreadId(tid, &t), STATUS_SUCCESS);
    return t;
}

/* The exit status of a held thread, dropping the hold. */
static NTSTATUS exit_status_of(PETHREAD t)
{
    NTSTATUS s = PsGetThreadExitStatus(t);
    ObDereferenceObject(t);
    return s;
}

/* SYNC-3: termination does not reach a non-alertable KernelMode wait: the thread goes on when
 * the wait is satisfied, runs the code after it, and exits with the termination status when
 * its body ends. A UserMode (or alertable) wait is ended by termination at once. */
static void test_termination_and_wait_modes(void **state)
{
    (void)state;
    pssim_machine *m = machine();
    probe p;
    HANDLE tid = start_waiter(m, &p, KernelMode, FALSE);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
    PETHREAD t = hold(tid);
    assert_int_equal(pssim_thread_exit(m, tid, (NTSTATUS)0xC0000001L), STATUS_SUCCESS);
    assert_true(PsIsThreadTerminating(t)); /* PSAPI-5: requested */
    assert_int_equal(pssim_thread_exit(m, tid, STATUS_SUCCESS), STATUS_THREAD_IS_TERMINATING);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK); /* still waiting */
    assert_int_equal(p.after_wait, 0);
    KeSetEvent(&p.event, IO_NO_INCREMENT, FALSE);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(p.first, STATUS_SUCCESS);
    assert_int_equal(p.after_wait, 1);
    /* The follow-up wait is alertable UserMode: the pending termination ends the thread there
     * (it never returns). */
    assert_int_equal(p.second, 0);
    assert_int_equal(PsGetThreadExitStatus(t), (NTSTATUS)0xC0000001L);
    ObDereferenceObject(t);
    pssim_machine_destroy(m);

    m = machine();
    tid = start_waiter(m, &p, UserMode, FALSE);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
    t = hold(tid);
    assert_int_equal(pssim_thread_exit(m, tid, (NTSTATUS)0xC0000002L), STATUS_SUCCESS);
    assert_int_equal(exit_status_of(t), (NTSTATUS)0xC0000002L);
    assert_int_equal(p.after_wait, 0);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(p.after_wait, 0);
    pssim_machine_destroy(m);
}

/* SYNC-3: termination does not get through a critical region either: a process terminated
 * while its thread waits UserMode inside one ends only when that thread's body ends. */
static void test_termination_blocked_by_critical_region(void **state)
{
    (void)state;
    pssim_machine *m = machine();
    pssim_process_params pp;
    pssim_process_params_init(&pp);
    pp.image_path = "\\??\\C:\\t.exe";
    pp.flags = PSSIM_PROCESS_NO_INITIAL_THREAD;
    HANDLE pid = NULL;
    assert_int_equal(pssim_process_create(m, &pp, &pid, NULL), STATUS_SUCCESS);
    probe p;
    memset(&p, 0, sizeof(p));
    KeInitializeEvent(&p.event, NotificationEvent, FALSE);
    p.mode = UserMode;
    p.alertable = TRUE;
    p.critical = true;
    pssim_thread_params tp;
    pssim_thread_params_init(&tp);
    tp.start = waiter;
    tp.context = &p;
    HANDLE tid = NULL;
    assert_int_equal(pssim_thread_start(m, pid, &tp, &tid), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
    PETHREAD t = hold(tid);
    PEPROCESS proc = NULL;
    assert_int_equal(PsLookupProcessByProcessId(pid, &proc), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(m, pid, (NTSTATUS)0xC0000003L), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_POSSIBLE_DEADLOCK);
    assert_int_equal(p.after_wait, 0);
    KeSetEvent(&p.event, IO_NO_INCREMENT, FALSE);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(p.after_wait, 1);
    assert_int_equal(exit_status_of(t), (NTSTATUS)0xC0000003L);
    assert_int_equal(PsGetProcessExitStatus(proc), (NTSTATUS)0xC0000003L);
    ObDereferenceObject(proc);
    pssim_machine_destroy(m);
}

/* PSAPI-5: a thread's body may terminate its own process: its siblings exit first, the caller
 * last, as the call returns (it never returns to the body). */
static pssim_machine *self_machine;
static HANDLE self_pid;
static int self_after;

static VOID self_terminator(PVOID arg)
{
    (void)arg;
    pssim_process_terminate(self_machine, self_pid, (NTSTATUS)0xC0000004L);
    self_after++; /* never reached */
}

static void test_body_terminates_own_process(void **state)
{
    (void)state;
    pssim_machine *m = machine();
    self_machine = m;
    self_after = 0;
    pssim_process_params pp;
    pssim_process_params_init(&pp);
    pp.image_path = "\\??\\C:\\self.exe";
    pp.flags = PSSIM_PROCESS_NO_INITIAL_THREAD;
    assert_int_equal(pssim_process_create(m, &pp, &self_pid, NULL), STATUS_SUCCESS);
    probe p;
    memset(&p, 0, sizeof(p));
    KeInitializeEvent(&p.event, NotificationEvent, FALSE);
    p.mode = UserMode;
    pssim_thread_params tp;
    pssim_thread_params_init(&tp);
    tp.start = waiter;
    tp.context = &p;
    HANDLE sibling = NULL, self = NULL;
    assert_int_equal(pssim_thread_start(m, self_pid, &tp, &sibling), STATUS_SUCCESS);
    tp.start = self_terminator;
    tp.context = NULL;
    assert_int_equal(pssim_thread_start(m, self_pid, &tp, &self), STATUS_SUCCESS);
    PETHREAD ts = hold(sibling), tt = hold(self);
    PEPROCESS proc = NULL;
    assert_int_equal(PsLookupProcessByProcessId(self_pid, &proc), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(self_after, 0);
    assert_int_equal(p.after_wait, 0);
    assert_int_equal(exit_status_of(ts), (NTSTATUS)0xC0000004L);
    assert_int_equal(exit_status_of(tt), (NTSTATUS)0xC0000004L);
    assert_int_equal(PsGetProcessExitStatus(proc), (NTSTATUS)0xC0000004L);
    ObDereferenceObject(proc);
    pssim_machine_destroy(m);
}

/* Bad input: an invalid mode, an unknown thread, no routine, a system thread. */
static VOID idle_body(PVOID arg)
{
    (void)arg;
}

static void test_alert_bad_input(void **state)
{
    (void)state;
    pssim_machine *m = machine();
    probe p;
    HANDLE tid = start_waiter(m, &p, UserMode, TRUE);
    assert_int_equal(pssim_thread_alert(m, tid, (KPROCESSOR_MODE)5), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_thread_alert(NULL, tid, KernelMode), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_thread_alert(m, (HANDLE)(ULONG_PTR)0x7FF0, KernelMode),
                     STATUS_INVALID_CID);
    assert_int_equal(pssim_thread_queue_user_apc(m, tid, NULL, NULL), STATUS_INVALID_PARAMETER);
    pssim_thread_params tp;
    pssim_thread_params_init(&tp);
    tp.start = idle_body;
    HANDLE sys = NULL;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &tp, &sys), STATUS_SUCCESS);
    assert_int_equal(pssim_thread_queue_user_apc(m, sys, user_apc, &p), STATUS_ACCESS_DENIED);
    KeSetEvent(&p.event, IO_NO_INCREMENT, FALSE);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    pssim_machine_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_alert_ends_alertable_wait),
        cmocka_unit_test(test_alert_modes_and_pending),
        cmocka_unit_test(test_alert_precedence),
        cmocka_unit_test(test_user_apc_ends_alertable_user_wait),
        cmocka_unit_test(test_user_apc_not_delivered),
        cmocka_unit_test(test_user_apc_blocked_by_critical_region),
        cmocka_unit_test(test_termination_and_wait_modes),
        cmocka_unit_test(test_termination_blocked_by_critical_region),
        cmocka_unit_test(test_body_terminates_own_process),
        cmocka_unit_test(test_alert_bad_input),
    };
    return TEST_RUN_ON_BOTH_BACKENDS(tests);
}
