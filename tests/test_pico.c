/* test_pico.c: subsystem (pico) providers: registration, system calls and exceptions
 * dispatched on the calling thread, the return-to-user checks, the provider's contexts, the
 * exit callbacks in their place in the exit path, the kernel routines and an unloaded provider
 * (docs/pico.md, PICO-1..12). Every scenario runs on both backends.
 *
 * Thread bodies and provider routines only record what they see; the asserts run on the test
 * thread once the machine has run. */
#include "support.h"

REC_DEFINE_STORAGE;

static pssim_machine *m;

/* ---- the test provider ---- */

enum {
    SYS_SUM = 1,          /* result = number + the six arguments */
    SYS_RAISE_IRQL = 2,   /* returns at DISPATCH_LEVEL (PICO-8) */
    SYS_ENTER_REGION = 3, /* returns inside a critical region (PICO-8) */
    SYS_NESTED = 4,       /* the provider itself makes a system call (PICO-6) */
    SYS_EXIT = 60,        /* terminate_thread(self, args[0]) */
    SYS_EXIT_GROUP = 231  /* terminate_process(self, args[0]) */
};

static pssim_pico_routines K; /* what the machine handed the provider */

typedef struct sys_seen {
    HANDLE tid, pid;
    KIRQL irql;
    BOOLEAN apcs_disabled;
    ULONG_PTR number, args[6];
    PVOID process_context, thread_context;
} sys_seen;

static sys_seen seen_sys;
static int sys_calls;
static NTSTATUS nested_status;

static VOID t_dispatch_system_call(pssim_pico_system_call *c)
{
    sys_calls++;
    seen_sys.tid = PsGetCurrentThreadId();
    seen_sys.pid = PsGetCurrentProcessId();
    seen_sys.irql = KeGetCurrentIrql();
    seen_sys.apcs_disabled = KeAreApcsDisabled();
    seen_sys.number = c->number;
    memcpy(seen_sys.args, c->args, sizeof(seen_sys.args));
    seen_sys.process_context = K.get_process_context(PsGetCurrentProcess());
    seen_sys.thread_context = K.get_thread_context(PsGetCurrentThread());
    KIRQL old;
    switch (c->number) {
    case SYS_SUM:
        c->result = c->number;
        for (int i = 0; i < 6; i++)
            c->result += c->args[i];
        break;
    case SYS_RAISE_IRQL:
        KeRaiseIrql(DISPATCH_LEVEL, &old);
        break;
    case SYS_ENTER_REGION:
        KeEnterCriticalRegion();
        break;
    case SYS_NESTED: {
        ULONG_PTR r;
        nested_status = pssim_pico_syscall(SYS_SUM, NULL, &r);
        break;
    }
    case SYS_EXIT:
        K.terminate_thread(PsGetCurrentThread(), (NTSTATUS)c->args[0]);
        c->result = 0xBAD; /* not reached */
        break;
    case SYS_EXIT_GROUP:
        K.terminate_process(PsGetCurrentProcess(), (NTSTATUS)c->args[0]);
        c->result = 0xBAD; /* not reached */
        break;
    default:
        c->result = (ULONG_PTR)-38; /* -ENOSYS */
        break;
    }
}

static bool group_exit; /* exit_thread ends the rest of the process, as Linux's main thread */
static NTSTATUS group_exit_status;

static VOID t_exit_thread(PETHREAD thread)
{
    rec_event *e = rec_add("pico-thread-exit");
    e->tid = PsGetThreadId(thread);
    e->pid = PsGetThreadProcessId(thread);
    PEPROCESS p;
    if (group_exit && group_exit_status == STATUS_PENDING &&
        NT_SUCCESS(PsLookupProcessByProcessId(e->pid, &p))) {
        group_exit_status = K.terminate_process(p, 0x55);
        ObDereferenceObject(p);
    }
}

static VOID t_exit_process(PEPROCESS process)
{
    rec_event *e = rec_add("pico-process-exit");
    e->pid = PsGetProcessId(process);
}

typedef struct exc_seen {
    NTSTATUS code;
    PVOID address;
    ULONG count;
    ULONG_PTR p0, p1;
    ULONG chance;
    KPROCESSOR_MODE mode;
    HANDLE tid;
} exc_seen;

static exc_seen seen_exc;
static int exc_calls;

/* Handles breakpoints (a debugger stop, say), declines everything else. */
static BOOLEAN t_dispatch_exception(pssim_pico_exception *x, ULONG chance, KPROCESSOR_MODE mode)
{
    exc_calls++;
    seen_exc.code = x->code;
    seen_exc.address = x->address;
    seen_exc.count = x->parameter_count;
    seen_exc.p0 = x->parameters[0];
    seen_exc.p1 = x->parameters[1];
    seen_exc.chance = chance;
    seen_exc.mode = mode;
    seen_exc.tid = PsGetCurrentThreadId();
    return x->code == STATUS_BREAKPOINT;
}

static pssim_pico_provider_routines provider_routines(void)
{
    pssim_pico_provider_routines r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    r.dispatch_system_call = t_dispatch_system_call;
    r.exit_thread = t_exit_thread;
    r.exit_process = t_exit_process;
    r.dispatch_exception = t_dispatch_exception;
    return r;
}

static NTSTATUS noop_entry(PDRIVER_OBJECT drv, PUNICODE_STRING reg)
{
    (void)drv;
    (void)reg;
    return STATUS_SUCCESS;
}

static VOID noop_unload(PDRIVER_OBJECT drv)
{
    (void)drv;
}

static NTSTATUS unloadable_entry(PDRIVER_OBJECT drv, PUNICODE_STRING reg)
{
    (void)reg;
    drv->DriverUnload = noop_unload; /* the mistake PICO-3 is about */
    return STATUS_SUCCESS;
}

/* DriverEntry of a provider that registers itself, as lxcore does at boot. */
static NTSTATUS registering_entry(PDRIVER_OBJECT drv, PUNICODE_STRING reg)
{
    (void)reg;
    pssim_pico_provider_routines r = provider_routines();
    pssim_pico_routines k;
    memset(&k, 0, sizeof(k));
    k.size = sizeof(k);
    NTSTATUS st = pssim_pico_provider_register(NULL, drv, &r, &k);
    if (NT_SUCCESS(st))
        K = k;
    return st;
}

static PDRIVER_OBJECT load_provider(PDRIVER_INITIALIZE entry)
{
    PDRIVER_OBJECT drv = NULL;
    assert_int_equal(pssim_driver_load(m, entry, "lxtest", 0, &drv), STATUS_SUCCESS);
    pssim_pico_provider_routines r = provider_routines();
    memset(&K, 0, sizeof(K));
    K.size = sizeof(K);
    assert_int_equal(pssim_pico_provider_register(m, drv, &r, &K), STATUS_SUCCESS);
    return drv;
}

/* ---- processes, threads, bodies ---- */

static HANDLE wsl_process(const char *path, uint32_t flags, HANDLE *tid)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = path;
    p.subsystem = PSSIM_SUBSYSTEM_WSL;
    p.flags = flags;
    HANDLE pid = NULL;
    assert_int_equal(pssim_process_create(m, &p, &pid, tid), STATUS_SUCCESS);
    return pid;
}

static HANDLE start_body(HANDLE pid, PKSTART_ROUTINE body, PVOID ctx)
{
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = body;
    p.context = ctx;
    HANDLE tid = NULL;
    assert_int_equal(pssim_thread_start(m, pid, &p, &tid), STATUS_SUCCESS);
    return tid;
}

typedef struct call_out {
    NTSTATUS status;
    ULONG_PTR result;
    HANDLE tid;
    int after; /* the body went on past the call */
} call_out;

static VOID body_sum(PVOID arg)
{
    call_out *o = arg;
    const ULONG_PTR args[6] = {10, 20, 30, 40, 50, 60};
    o->tid = PsGetCurrentThreadId();
    o->status = pssim_pico_syscall(SYS_SUM, args, &o->result);
    o->after = 1;
}

static ULONG_PTR body_number;
static VOID body_call_number(PVOID arg)
{
    call_out *o = arg;
    const ULONG_PTR args[6] = {0x77, 0, 0, 0, 0, 0};
    o->tid = PsGetCurrentThreadId();
    o->status = pssim_pico_syscall(body_number, args, &o->result);
    o->after = 1;
}

/* A Linux thread blocked in a system call: a UserMode wait, which termination reaches
 * (SYNC-3). */
static KEVENT never;
static VOID body_wait_forever(PVOID arg)
{
    call_out *o = arg;
    o->tid = PsGetCurrentThreadId();
    o->status = KeWaitForSingleObject(&never, UserRequest, UserMode, FALSE, NULL);
    o->after = 1;
}

/* A thread in a non-alertable KernelMode wait, which termination cannot reach (SYNC-3). */
static KEVENT gate;
static VOID body_kernel_wait(PVOID arg)
{
    call_out *o = arg;
    o->tid = PsGetCurrentThreadId();
    o->status = KeWaitForSingleObject(&gate, Executive, KernelMode, FALSE, NULL);
    o->after = 1;
}

static VOID body_open_gate(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(10000000); /* 10 ms */
    KeSetEvent(&gate, IO_NO_INCREMENT, FALSE);
}

/* ---- setup ---- */

static int setup(void **state)
{
    (void)state;
    m = new_timed_machine(1, test_backend);
    rec_reset();
    memset(&K, 0, sizeof(K));
    memset(&seen_sys, 0, sizeof(seen_sys));
    memset(&seen_exc, 0, sizeof(seen_exc));
    sys_calls = exc_calls = 0;
    nested_status = STATUS_PENDING;
    group_exit = false;
    group_exit_status = STATUS_PENDING;
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    KeInitializeEvent(&gate, NotificationEvent, FALSE);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pssim_machine_destroy(m);
    m = NULL;
    return 0;
}

/* ---- registration ---- */

/* PICO-1/2: NULL arguments, then the two sizes (INFO_LENGTH_MISMATCH), then missing routines
 * and a driver that is not loaded (INVALID_PARAMETER); the kernel routines are written only on
 * success; a second provider, even the same driver, is TOO_LATE. */
static void test_register_statuses(void **state)
{
    (void)state;
    PDRIVER_OBJECT drv = NULL;
    assert_int_equal(pssim_driver_load(m, noop_entry, "lxtest", 0, &drv), STATUS_SUCCESS);
    pssim_pico_provider_routines r = provider_routines();
    pssim_pico_routines k;
    memset(&k, 0, sizeof(k));
    k.size = sizeof(k);

    assert_int_equal(pssim_pico_provider_register(m, NULL, &r, &k), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_pico_provider_register(m, drv, NULL, &k), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_pico_provider_register(m, drv, &r, NULL), STATUS_INVALID_PARAMETER);

    r.size = sizeof(r) - sizeof(void *);
    assert_int_equal(pssim_pico_provider_register(m, drv, &r, &k), STATUS_INFO_LENGTH_MISMATCH);
    r.size = sizeof(r) + sizeof(void *);
    assert_int_equal(pssim_pico_provider_register(m, drv, &r, &k), STATUS_INFO_LENGTH_MISMATCH);
    r.size = sizeof(r);
    k.size = 0;
    assert_int_equal(pssim_pico_provider_register(m, drv, &r, &k), STATUS_INFO_LENGTH_MISMATCH);
    k.size = sizeof(k);
    /* The size is checked before anything else the call looks at. */
    r.dispatch_exception = NULL;
    r.size = 8;
    assert_int_equal(pssim_pico_provider_register(m, drv, &r, &k), STATUS_INFO_LENGTH_MISMATCH);
    r.size = sizeof(r);
    assert_int_equal(pssim_pico_provider_register(m, drv, &r, &k), STATUS_INVALID_PARAMETER);
    r = provider_routines();
    DRIVER_OBJECT fake;
    memset(&fake, 0, sizeof(fake));
    assert_int_equal(pssim_pico_provider_register(m, &fake, &r, &k), STATUS_INVALID_PARAMETER);
    assert_null(k.create_process); /* nothing handed out on failure */
    assert_null(k.get_thread_context);

    assert_int_equal(pssim_pico_provider_register(m, drv, &r, &k), STATUS_SUCCESS);
    assert_non_null(k.create_process);
    assert_non_null(k.create_thread);
    assert_non_null(k.get_process_context);
    assert_non_null(k.get_thread_context);
    assert_non_null(k.terminate_thread);
    assert_non_null(k.terminate_process);
    assert_non_null(k.set_process_context);
    assert_non_null(k.set_thread_context);

    /* PICO-1: one provider per machine. */
    PDRIVER_OBJECT other = NULL;
    assert_int_equal(pssim_driver_load(m, noop_entry, "lxother", 0, &other), STATUS_SUCCESS);
    pssim_pico_routines k2;
    memset(&k2, 0, sizeof(k2));
    k2.size = sizeof(k2);
    assert_int_equal(pssim_pico_provider_register(m, other, &r, &k2), STATUS_TOO_LATE);
    assert_int_equal(pssim_pico_provider_register(m, drv, &r, &k2), STATUS_TOO_LATE);
    assert_null(k2.create_process);
}

/* PICO-1: registration is a boot-time act: once a process has been created, STATUS_TOO_LATE. */
static void test_register_too_late_after_first_process(void **state)
{
    (void)state;
    PDRIVER_OBJECT drv = NULL;
    assert_int_equal(pssim_driver_load(m, noop_entry, "lxtest", 0, &drv), STATUS_SUCCESS);
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\Windows\\smss.exe", NULL, NULL),
                     STATUS_SUCCESS);
    pssim_pico_provider_routines r = provider_routines();
    pssim_pico_routines k;
    memset(&k, 0, sizeof(k));
    k.size = sizeof(k);
    assert_int_equal(pssim_pico_provider_register(m, drv, &r, &k), STATUS_TOO_LATE);
    assert_null(k.create_process);
}

/* PICO-1: a provider registers from its own DriverEntry (m NULL: the machine in force); a
 * second provider's DriverEntry gets STATUS_TOO_LATE and its load fails with it. */
static void test_register_from_driver_entry(void **state)
{
    (void)state;
    assert_int_equal(pssim_driver_load(m, registering_entry, "lxcore", 0, NULL), STATUS_SUCCESS);
    assert_non_null(K.create_process);
    assert_int_equal(pssim_driver_load(m, registering_entry, "lxcore2", 0, NULL), STATUS_TOO_LATE);
    /* The first provider still serves its processes. */
    HANDLE pid = wsl_process("/bin/true", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL);
    call_out o;
    memset(&o, 0, sizeof(o));
    start_body(pid, body_sum, &o);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(o.status, STATUS_SUCCESS);
    assert_int_equal(o.result, SYS_SUM + 210);
}

/* ---- system calls ---- */

/* PICO-6/7: a system call from a WSL thread's body reaches dispatch_system_call on that same
 * thread, in its process, at PASSIVE_LEVEL with APCs enabled, with the number and the six
 * arguments; the result is what the provider stored. The body goes on after the call. */
static void test_syscall_dispatched_on_calling_thread(void **state)
{
    (void)state;
    load_provider(noop_entry);
    HANDLE pid = wsl_process("/usr/bin/sum", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL);
    call_out o;
    memset(&o, 0, sizeof(o));
    HANDLE tid = start_body(pid, body_sum, &o);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(o.status, STATUS_SUCCESS);
    assert_int_equal(o.result, SYS_SUM + 10 + 20 + 30 + 40 + 50 + 60);
    assert_int_equal(o.after, 1);
    assert_int_equal(sys_calls, 1);
    assert_ptr_equal(seen_sys.tid, tid);
    assert_ptr_equal(o.tid, tid);
    assert_ptr_equal(seen_sys.pid, pid);
    assert_int_equal(seen_sys.irql, PASSIVE_LEVEL);
    assert_false(seen_sys.apcs_disabled);
    assert_int_equal(seen_sys.number, SYS_SUM);
    assert_int_equal(seen_sys.args[0], 10);
    assert_int_equal(seen_sys.args[5], 60);
}

/* PICO-6: a thread of a Win32 process has no such service (INVALID_SYSTEM_SERVICE), the host
 * thread included; a WSL thread with no provider registered gets NOT_SUPPORTED; a system call
 * from kernel code on the thread (the provider's own routine) gets INVALID_DEVICE_STATE; a NULL
 * result pointer is INVALID_PARAMETER. The provider sees none of these. */
static void test_syscall_statuses(void **state)
{
    (void)state;
    ULONG_PTR r = 1;
    assert_int_equal(pssim_pico_syscall(SYS_SUM, NULL, NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_pico_syscall(SYS_SUM, NULL, &r), STATUS_INVALID_SYSTEM_SERVICE);
    assert_int_equal(r, 0);

    /* No provider yet: a WSL body. */
    HANDLE wsl = wsl_process("/bin/sh", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL);
    call_out none;
    memset(&none, 0, sizeof(none));
    start_body(wsl, body_sum, &none);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(none.status, STATUS_NOT_SUPPORTED);
    pssim_machine_destroy(m);

    m = new_timed_machine(1, test_backend);
    load_provider(noop_entry);
    call_out win, nested;
    memset(&win, 0, sizeof(win));
    memset(&nested, 0, sizeof(nested));
    start_body(pssim_host_pid(m), body_sum, &win); /* a Win32 process's thread */
    body_number = SYS_NESTED;
    start_body(wsl_process("/bin/sh", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL), body_call_number,
               &nested);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(win.status, STATUS_INVALID_SYSTEM_SERVICE);
    assert_int_equal(win.result, 0);
    assert_int_equal(nested.status, STATUS_SUCCESS);
    assert_int_equal(nested_status, STATUS_INVALID_DEVICE_STATE);
    assert_int_equal(sys_calls, 1); /* only the outer call */
}

/* PICO-8: returning to user mode at IRQL > PASSIVE_LEVEL is bug check 0x4A (P1 the routine,
 * P2 the IRQL). */
static void test_syscall_returning_at_dispatch_level(void **state)
{
    (void)state;
    load_provider(noop_entry);
    call_out o;
    memset(&o, 0, sizeof(o));
    body_number = SYS_RAISE_IRQL;
    start_body(wsl_process("/bin/sh", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL), body_call_number, &o);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0x4A);
    assert_int_equal(bc.parameters[1], DISPATCH_LEVEL);
    assert_int_equal(bc.parameters[2], 0);
    assert_non_null(strstr(bc.text, "PICO-8"));
    assert_int_equal(o.after, 0);
}

/* PICO-8: returning to user mode inside a critical region is bug check 0x1 (P3 the combined
 * APC-disable count as Windows keeps it, -1 = 0xFFFF; P4 0 = a system call). */
static void test_syscall_returning_with_apcs_disabled(void **state)
{
    (void)state;
    load_provider(noop_entry);
    call_out o;
    memset(&o, 0, sizeof(o));
    body_number = SYS_ENTER_REGION;
    start_body(wsl_process("/bin/sh", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL), body_call_number, &o);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0x1);
    assert_int_equal(bc.parameters[2], 0xFFFF);
    assert_int_equal(bc.parameters[3], 0);
    assert_non_null(strstr(bc.text, "PICO-8"));
}

/* ---- contexts ---- */

/* PICO-4/5: contexts given to create_process / create_thread are what get_*_context return,
 * in the provider's system call too; set_*_context adopts processes and threads made through
 * the control API; Win32 objects have none and refuse one; NULL clears. */
static void test_contexts(void **state)
{
    (void)state;
    load_provider(noop_entry);
    int process_ctx, thread_ctx, adopted_ctx;
    pssim_pico_process_attributes pa;
    memset(&pa, 0, sizeof(pa));
    pa.image_path = "/usr/bin/ctx";
    pa.context = &process_ctx;
    HANDLE pid = NULL;
    assert_int_equal(K.create_process(&pa, &pid), STATUS_SUCCESS);
    call_out o;
    memset(&o, 0, sizeof(o));
    pssim_pico_thread_attributes ta;
    memset(&ta, 0, sizeof(ta));
    ta.pid = pid;
    ta.start = body_sum;
    ta.start_context = &o;
    ta.context = &thread_ctx;
    HANDLE tid = NULL;
    assert_int_equal(K.create_thread(&ta, &tid), STATUS_SUCCESS);

    PEPROCESS p;
    PETHREAD t;
    assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(tid, &t), STATUS_SUCCESS);
    assert_ptr_equal(K.get_process_context(p), &process_ctx);
    assert_ptr_equal(K.get_thread_context(t), &thread_ctx);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_ptr_equal(seen_sys.process_context, &process_ctx);
    assert_ptr_equal(seen_sys.thread_context, &thread_ctx);
    /* Exited but referenced: the context stays until deletion. */
    assert_ptr_equal(K.get_thread_context(t), &thread_ctx);
    ObDereferenceObject(t);
    ObDereferenceObject(p);

    /* A WSL process of the control API: no context until the provider adopts it. */
    HANDLE wtid;
    HANDLE wpid = wsl_process("/bin/adopted", 0, &wtid);
    assert_int_equal(PsLookupProcessByProcessId(wpid, &p), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(wtid, &t), STATUS_SUCCESS);
    assert_null(K.get_process_context(p));
    assert_int_equal(K.set_process_context(p, &adopted_ctx), STATUS_SUCCESS);
    assert_int_equal(K.set_thread_context(t, &adopted_ctx), STATUS_SUCCESS);
    assert_ptr_equal(K.get_process_context(p), &adopted_ctx);
    assert_ptr_equal(K.get_thread_context(t), &adopted_ctx);
    assert_int_equal(K.set_process_context(p, NULL), STATUS_SUCCESS);
    assert_null(K.get_process_context(p));
    ObDereferenceObject(t);
    ObDereferenceObject(p);

    /* Win32 objects: none, and none can be set. */
    HANDLE npid, ntid;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\a.exe", &npid, &ntid), STATUS_SUCCESS);
    assert_int_equal(PsLookupProcessByProcessId(npid, &p), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(ntid, &t), STATUS_SUCCESS);
    assert_null(K.get_process_context(p));
    assert_null(K.get_thread_context(t));
    assert_int_equal(K.set_process_context(p, &adopted_ctx), STATUS_INVALID_PARAMETER);
    assert_int_equal(K.set_thread_context(t, &adopted_ctx), STATUS_INVALID_PARAMETER);
    assert_null(K.get_process_context(NULL));
    ObDereferenceObject(t);
    ObDereferenceObject(p);
}

/* PICO-4: a context lives as long as its object: processes deleted with a context set leave
 * nothing behind for new objects that reuse their memory. */
static void test_context_dies_with_object(void **state)
{
    (void)state;
    load_provider(noop_entry);
    enum { OLD = 100, NEW = 200 };
    static uintptr_t old_addr[OLD];
    static char ctx[OLD];
    for (int i = 0; i < OLD; i++) {
        pssim_pico_process_attributes pa;
        memset(&pa, 0, sizeof(pa));
        pa.image_path = "/bin/recycled"; /* the same size of object as below */
        pa.context = &ctx[i];
        HANDLE pid;
        assert_int_equal(K.create_process(&pa, &pid), STATUS_SUCCESS);
        PEPROCESS p;
        assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
        old_addr[i] = (uintptr_t)p;
        assert_ptr_equal(K.get_process_context(p), &ctx[i]);
        assert_int_equal(K.terminate_process(p, STATUS_SUCCESS), STATUS_SUCCESS);
        ObDereferenceObject(p); /* the last reference: deleted */
    }
    int reused = 0;
    for (int i = 0; i < NEW; i++) {
        HANDLE pid = wsl_process("/bin/recycled", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL);
        PEPROCESS p;
        assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
        for (int j = 0; j < OLD; j++)
            reused += old_addr[j] == (uintptr_t)p;
        assert_null(K.get_process_context(p));
        ObDereferenceObject(p);
    }
    assert_true(reused > 0); /* the scenario really reused memory */
}

/* ---- exit callbacks ---- */

static void thread_routine(HANDLE pid, HANDLE tid, BOOLEAN create)
{
    rec_event *e = rec_add("thread");
    e->pid = pid;
    e->tid = tid;
    e->create = create;
}

static const char *deny_image;
static void ex2_routine(PEPROCESS process, HANDLE pid, PPS_CREATE_NOTIFY_INFO ci)
{
    (void)process;
    rec_event *e = rec_add("ex2");
    e->pid = pid;
    e->create = ci != NULL;
    if (ci) {
        e->flags = ci->Flags;
        e->has_cmdline = ci->CommandLine != NULL;
        rec_copy_name(e, ci->ImageFileName);
        if (deny_image && strcmp(e->image, deny_image) == 0)
            ci->CreationStatus = STATUS_ACCESS_DENIED;
    }
}

static void plain_routine(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    rec_event *e = rec_add("plain");
    e->pid = pid;
    e->create = create;
}

static void register_notify(void)
{
    assert_int_equal(
        PsSetCreateThreadNotifyRoutineEx(PsCreateThreadNotifySubsystems, AS_PVOID(thread_routine)),
        STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems,
                                                        AS_PVOID(ex2_routine), FALSE),
                     STATUS_SUCCESS);
    assert_int_equal(PsSetCreateProcessNotifyRoutine(plain_routine, FALSE), STATUS_SUCCESS);
}

static void expect(int i, const char *kind, HANDLE pid, HANDLE tid, HANDLE cur_tid)
{
    assert_true(i < rec_count);
    assert_string_equal(rec_log[i].kind, kind);
    if (pid)
        assert_ptr_equal(rec_log[i].pid, pid);
    if (tid)
        assert_ptr_equal(rec_log[i].tid, tid);
    assert_ptr_equal(rec_log[i].cur_tid, cur_tid);
}

/* PICO-11 (THREAD-NOTIFY-2/7/9, PROC-NOTIFY-10/14): on the exiting thread, its thread-exit
 * notifications, then the provider's exit_thread; on the last thread also the process-exit
 * notifications (Ex2 only) and then exit_process. Win32 exits never reach the provider. */
static void test_exit_callbacks_order(void **state)
{
    (void)state;
    load_provider(noop_entry);
    register_notify();
    HANDLE t1, t2;
    HANDLE pid = wsl_process("/bin/two-threads", 0, &t1);
    assert_int_equal(pssim_thread_create(m, pid, &t2), STATUS_SUCCESS);
    rec_reset();
    assert_int_equal(pssim_thread_exit(m, t1, 3), STATUS_SUCCESS);
    assert_int_equal(rec_count, 2);
    expect(0, "thread", pid, t1, t1);
    assert_int_equal(rec_log[0].create, 0);
    expect(1, "pico-thread-exit", pid, t1, t1);

    rec_reset();
    assert_int_equal(pssim_process_terminate(m, pid, 4), STATUS_SUCCESS);
    assert_int_equal(rec_count, 4);
    expect(0, "thread", pid, t2, t2);
    expect(1, "pico-thread-exit", pid, t2, t2);
    expect(2, "ex2", pid, NULL, t2);
    assert_int_equal(rec_log[2].create, 0);
    expect(3, "pico-process-exit", pid, NULL, t2);

    /* A Win32 process: notifications only. */
    HANDLE wpid, wtid;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\a.exe", &wpid, &wtid), STATUS_SUCCESS);
    rec_reset();
    assert_int_equal(pssim_process_terminate(m, wpid, 0), STATUS_SUCCESS);
    assert_int_equal(rec_count_kind("pico-thread-exit"), 0);
    assert_int_equal(rec_count_kind("pico-process-exit"), 0);
    assert_true(rec_count_kind("plain") == 1 && rec_count_kind("thread") == 1);
}

/* PICO-11: a WSL process that never had a thread still reaches exit_process (on the caller),
 * though no notify routine hears of it (PROC-NOTIFY-12); a create denied by an Ex2 routine
 * (PROC-NOTIFY-7) runs the exit path, and the provider hears of both exits. */
static void test_exit_callbacks_threadless_and_denied(void **state)
{
    (void)state;
    load_provider(noop_entry);
    register_notify();
    HANDLE pid = wsl_process("/bin/empty", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL);
    rec_reset();
    assert_int_equal(pssim_process_terminate(m, pid, 0), STATUS_SUCCESS);
    assert_int_equal(rec_count, 1);
    expect(0, "pico-process-exit", pid, NULL, pssim_host_tid(m));

    deny_image = "/bin/denied";
    rec_reset();
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "/bin/denied";
    p.subsystem = PSSIM_SUBSYSTEM_WSL;
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), STATUS_ACCESS_DENIED);
    deny_image = NULL;
    int first = rec_find("pico-thread-exit", 0);
    int last = rec_find("pico-process-exit", 0);
    assert_true(first > rec_find("ex2", 0));
    assert_true(last > first);
    assert_int_equal(rec_count_kind("pico-thread-exit"), 1);
    assert_int_equal(rec_count_kind("pico-process-exit"), 1);
    assert_ptr_equal(rec_log[last].cur_tid, rec_log[first].tid); /* on the initial thread */
    PsSetCreateProcessNotifyRoutineEx2(PsCreateProcessNotifySubsystems, AS_PVOID(ex2_routine),
                                       TRUE);
}

/* ---- processes and threads through the kernel routines ---- */

/* PICO-5 (PROC-NOTIFY-1/14/15, THREAD-NOTIFY-7, QUERY-8/9): create_process makes a subsystem
 * process without a thread, so no routine hears of it yet; its first create_thread brings the
 * creation calls, to Ex2 and Subsystems routines only, with IsSubsystemProcess, the Linux path
 * and the NUL-separated command line. The process reports the WSL subsystem and has no PEB.
 * create_thread refuses a Win32 process, an unknown one and a missing body. */
static void test_create_through_kernel_routines(void **state)
{
    (void)state;
    load_provider(noop_entry);
    register_notify();
    static const char cmd[] = "hello\0world\0";
    pssim_pico_process_attributes pa;
    memset(&pa, 0, sizeof(pa));
    pa.image_path = "/usr/bin/hello";
    pa.command_line = cmd;
    pa.command_line_length = sizeof(cmd) - 1;
    HANDLE pid = NULL;
    assert_int_equal(K.create_process(NULL, &pid), STATUS_INVALID_PARAMETER);
    assert_int_equal(K.create_process(&pa, &pid), STATUS_SUCCESS);
    assert_non_null(pid);
    assert_int_equal(rec_count, 0);

    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    CLIENT_ID cid = {pid, NULL};
    HANDLE h = NULL;
    assert_int_equal(ZwOpenProcess(&h, PROCESS_ALL_ACCESS, &oa, &cid), STATUS_SUCCESS);
    SUBSYSTEM_INFORMATION_TYPE type = SubsystemInformationTypeWin32;
    assert_int_equal(
        ZwQueryInformationProcess(h, ProcessSubsystemInformation, &type, sizeof(type), NULL),
        STATUS_SUCCESS);
    assert_int_equal(type, SubsystemInformationTypeWSL);
    PROCESS_BASIC_INFORMATION pbi;
    assert_int_equal(ZwQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi), NULL),
                     STATUS_SUCCESS);
    assert_null(pbi.PebBaseAddress);
    assert_ptr_equal((HANDLE)pbi.InheritedFromUniqueProcessId, pssim_host_pid(m));
    ZwClose(h);

    call_out o;
    memset(&o, 0, sizeof(o));
    pssim_pico_thread_attributes ta;
    memset(&ta, 0, sizeof(ta));
    ta.pid = pid;
    ta.start = body_sum;
    ta.start_context = &o;
    HANDLE tid = NULL;
    assert_int_equal(K.create_thread(&ta, &tid), STATUS_SUCCESS);
    int ex2 = rec_find("ex2", 0);
    assert_true(ex2 >= 0);
    assert_int_equal(rec_log[ex2].create, 1);
    assert_int_equal(rec_log[ex2].flags & 0x2, 0x2); /* IsSubsystemProcess */
    assert_string_equal(rec_log[ex2].image, "/usr/bin/hello");
    assert_int_equal(rec_log[ex2].has_cmdline, 1);
    assert_int_equal(rec_count_kind("plain"), 0);
    int th = rec_find("thread", 0);
    assert_true(th > ex2);
    assert_ptr_equal(rec_log[th].tid, tid);
    assert_ptr_equal(rec_log[th].cur_tid, pssim_host_tid(m)); /* on the creator */

    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(o.status, STATUS_SUCCESS);
    assert_ptr_equal(seen_sys.tid, tid);
    assert_true(rec_find("pico-process-exit", 0) > 0); /* it ended with its one thread */

    ta.pid = pssim_host_pid(m);
    assert_int_equal(K.create_thread(&ta, &tid), STATUS_INVALID_PARAMETER);
    ta.pid = (HANDLE)(uintptr_t)0x7FF0;
    assert_int_equal(K.create_thread(&ta, &tid), STATUS_INVALID_CID);
    ta.start = NULL;
    assert_int_equal(K.create_thread(&ta, &tid), STATUS_INVALID_PARAMETER);
    assert_null(tid);
}

/* ---- termination ---- */

typedef struct exit_body_args {
    ULONG_PTR number, code;
    call_out out;
} exit_body_args;

static VOID body_exit(PVOID arg)
{
    exit_body_args *a = arg;
    const ULONG_PTR args[6] = {a->code, 0, 0, 0, 0, 0};
    a->out.tid = PsGetCurrentThreadId();
    a->out.status = pssim_pico_syscall(a->number, args, &a->out.result);
    a->out.after = 1; /* must not happen */
}

static NTSTATUS thread_status(HANDLE tid)
{
    PETHREAD t;
    assert_int_equal(PsLookupThreadByThreadId(tid, &t), STATUS_SUCCESS);
    NTSTATUS st = PsGetThreadExitStatus(t);
    ObDereferenceObject(t);
    return st;
}

/* PICO-12: terminate_thread on the calling thread ends it inside its system call, which never
 * returns; terminate_process from a thread ends its siblings first and itself last, with the
 * status given; the provider's exit callbacks come on each exiting thread. */
static void test_terminate_from_system_call(void **state)
{
    (void)state;
    load_provider(noop_entry);
    exit_body_args a1 = {SYS_EXIT, 7, {0, 0, NULL, 0}};
    HANDLE p1 = wsl_process("/bin/exit", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL);
    HANDLE t1 = start_body(p1, body_exit, &a1);

    call_out waiter;
    memset(&waiter, 0, sizeof(waiter));
    exit_body_args a2 = {SYS_EXIT_GROUP, 9, {0, 0, NULL, 0}};
    HANDLE p2 = wsl_process("/bin/exit_group", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL);
    HANDLE w = start_body(p2, body_wait_forever, &waiter);
    HANDLE t2 = start_body(p2, body_exit, &a2);
    PETHREAD keep[3];
    assert_int_equal(PsLookupThreadByThreadId(t1, &keep[0]), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(w, &keep[1]), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(t2, &keep[2]), STATUS_SUCCESS);

    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(a1.out.after, 0);
    assert_int_equal(a2.out.after, 0);
    assert_int_equal(waiter.after, 0);
    assert_int_equal(thread_status(t1), 7);
    assert_int_equal(thread_status(w), 9);
    assert_int_equal(thread_status(t2), 9);
    /* p2: the waiter went first, the caller last, which also ended the process. */
    int wexit = -1, cexit = -1;
    for (int i = 0; i < rec_count; i++) {
        if (strcmp(rec_log[i].kind, "pico-thread-exit") != 0)
            continue;
        if (rec_log[i].tid == w)
            wexit = i;
        if (rec_log[i].tid == t2)
            cexit = i;
    }
    assert_true(wexit >= 0 && cexit > wexit);
    assert_ptr_equal(rec_log[cexit].cur_tid, t2);
    int pexit = rec_find("pico-process-exit", cexit);
    assert_true(pexit > cexit);
    assert_ptr_equal(rec_log[pexit].pid, p2);
    for (int i = 0; i < 3; i++)
        ObDereferenceObject(keep[i]);
}

/* PICO-12: from outside (the host): Win32 objects are refused, a thread or process already
 * going gets THREAD_/PROCESS_IS_TERMINATING, and a puppet thread of a WSL process ends. */
static void test_terminate_statuses(void **state)
{
    (void)state;
    load_provider(noop_entry);
    HANDLE t1, t2;
    HANDLE pid = wsl_process("/bin/puppets", 0, &t1);
    assert_int_equal(pssim_thread_create(m, pid, &t2), STATUS_SUCCESS);
    PEPROCESS p, host = PsGetCurrentProcess();
    PETHREAD a, b;
    assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(t1, &a), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(t2, &b), STATUS_SUCCESS);

    assert_int_equal(K.terminate_thread(PsGetCurrentThread(), 1), STATUS_INVALID_PARAMETER);
    assert_int_equal(K.terminate_process(host, 1), STATUS_INVALID_PARAMETER);
    assert_int_equal(K.terminate_thread(NULL, 1), STATUS_INVALID_PARAMETER);

    assert_int_equal(K.terminate_thread(a, 5), STATUS_SUCCESS);
    assert_int_equal(PsGetThreadExitStatus(a), 5);
    assert_int_equal(K.terminate_thread(a, 6), STATUS_THREAD_IS_TERMINATING);
    assert_int_equal(K.terminate_process(p, 8), STATUS_SUCCESS);
    assert_int_equal(PsGetThreadExitStatus(b), 8);
    assert_int_equal(PsGetProcessExitStatus(p), 8);
    assert_int_equal(K.terminate_process(p, 9), STATUS_PROCESS_IS_TERMINATING);
    assert_int_equal(rec_count_kind("pico-thread-exit"), 2);
    assert_int_equal(rec_count_kind("pico-process-exit"), 1);
    ObDereferenceObject(a);
    ObDereferenceObject(b);
    ObDereferenceObject(p);
}

/* PICO-12 (SYNC-3): exit_group reaches a sibling blocked where termination cannot reach it
 * (a non-alertable KernelMode wait) only when that wait ends: its code after the wait runs,
 * then it exits with the group's status, last, and the process ends with it. */
static void test_terminate_defers_unreachable_wait(void **state)
{
    (void)state;
    load_provider(noop_entry);
    HANDLE pid = wsl_process("/bin/blocked", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL);
    call_out waiter;
    memset(&waiter, 0, sizeof(waiter));
    exit_body_args a = {SYS_EXIT_GROUP, 9, {0, 0, NULL, 0}};
    HANDLE w = start_body(pid, body_kernel_wait, &waiter);
    HANDLE t = start_body(pid, body_exit, &a);
    start_body(pssim_host_pid(m), body_open_gate, NULL);
    PETHREAD keep[2];
    PEPROCESS p;
    assert_int_equal(PsLookupThreadByThreadId(w, &keep[0]), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(t, &keep[1]), STATUS_SUCCESS);
    assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(a.out.after, 0);
    assert_int_equal(waiter.status, STATUS_SUCCESS);
    assert_int_equal(waiter.after, 1);
    assert_int_equal(PsGetThreadExitStatus(keep[0]), 9);
    assert_int_equal(PsGetThreadExitStatus(keep[1]), 9);
    assert_int_equal(PsGetProcessExitStatus(p), 9);
    int pexit = rec_find("pico-process-exit", 0);
    assert_true(pexit > 0);
    assert_ptr_equal(rec_log[pexit].cur_tid, w);
    ObDereferenceObject(keep[0]);
    ObDereferenceObject(keep[1]);
    ObDereferenceObject(p);
}

/* PICO-11/12: the provider's exit_thread may end the rest of its process (Linux: the main
 * thread's exit ends the group). The siblings exit inside that call; the exiting thread is then
 * the last one and the process ends on it, once, with its status. */
static void test_exit_thread_ends_siblings(void **state)
{
    (void)state;
    load_provider(noop_entry);
    register_notify();
    HANDLE t1, t2;
    HANDLE pid = wsl_process("/bin/group", 0, &t1);
    assert_int_equal(pssim_thread_create(m, pid, &t2), STATUS_SUCCESS);
    PEPROCESS p;
    PETHREAD b;
    assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(t2, &b), STATUS_SUCCESS);
    group_exit = true;
    rec_reset();
    assert_int_equal(pssim_thread_exit(m, t1, 1), STATUS_SUCCESS);
    assert_int_equal(group_exit_status, STATUS_SUCCESS);
    assert_int_equal(rec_count, 6);
    expect(0, "thread", pid, t1, t1);
    expect(1, "pico-thread-exit", pid, t1, t1);
    expect(2, "thread", pid, t2, t2);
    expect(3, "pico-thread-exit", pid, t2, t2);
    expect(4, "ex2", pid, NULL, t1);
    expect(5, "pico-process-exit", pid, NULL, t1);
    assert_int_equal(PsGetThreadExitStatus(b), 0x55);
    assert_int_equal(PsGetProcessExitStatus(p), 1);
    assert_int_equal(pssim_process_terminate(m, pid, 2), STATUS_PROCESS_IS_TERMINATING);
    ObDereferenceObject(b);
    ObDereferenceObject(p);
}

/* ---- exceptions ---- */

typedef struct exc_body_args {
    NTSTATUS first, second;
    NTSTATUS first_status;
    int after_first, after_second;
} exc_body_args;

static VOID body_raise(PVOID arg)
{
    exc_body_args *a = arg;
    const ULONG_PTR params[2] = {0 /* read */, 0xDEAD0};
    a->first_status = pssim_pico_raise_exception(a->first, (PVOID)(uintptr_t)0x401000, 0, NULL);
    a->after_first = 1;
    pssim_pico_raise_exception(a->second, (PVOID)(uintptr_t)0x401234, 2, params);
    a->after_second = 1; /* must not happen */
}

/* PICO-9/10: an exception goes to dispatch_exception on the faulting thread (chance 1,
 * UserMode, the record as raised); handled, the body goes on; not handled, the process is
 * terminated with the exception code: the other thread first, the faulting thread last. */
static void test_exception_handled_then_fatal(void **state)
{
    (void)state;
    load_provider(noop_entry);
    HANDLE pid = wsl_process("/bin/segv", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL);
    call_out waiter;
    memset(&waiter, 0, sizeof(waiter));
    exc_body_args a = {STATUS_BREAKPOINT, STATUS_ACCESS_VIOLATION, STATUS_PENDING, 0, 0};
    HANDLE w = start_body(pid, body_wait_forever, &waiter);
    HANDLE t = start_body(pid, body_raise, &a);
    PEPROCESS p;
    PETHREAD keep[2];
    assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(w, &keep[0]), STATUS_SUCCESS);
    assert_int_equal(PsLookupThreadByThreadId(t, &keep[1]), STATUS_SUCCESS);

    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(a.first_status, STATUS_SUCCESS);
    assert_int_equal(a.after_first, 1);
    assert_int_equal(a.after_second, 0);
    assert_int_equal(exc_calls, 2);
    assert_int_equal(seen_exc.code, STATUS_ACCESS_VIOLATION);
    assert_ptr_equal(seen_exc.address, (PVOID)(uintptr_t)0x401234);
    assert_int_equal(seen_exc.count, 2);
    assert_int_equal(seen_exc.p0, 0);
    assert_int_equal(seen_exc.p1, 0xDEAD0);
    assert_int_equal(seen_exc.chance, 1);
    assert_int_equal(seen_exc.mode, UserMode);
    assert_ptr_equal(seen_exc.tid, t);
    assert_int_equal(PsGetProcessExitStatus(p), STATUS_ACCESS_VIOLATION);
    assert_int_equal(thread_status(w), STATUS_ACCESS_VIOLATION);
    assert_int_equal(thread_status(t), STATUS_ACCESS_VIOLATION);
    int wexit = -1, texit = -1;
    for (int i = 0; i < rec_count; i++) {
        if (strcmp(rec_log[i].kind, "pico-thread-exit") == 0 && rec_log[i].tid == w)
            wexit = i;
        if (strcmp(rec_log[i].kind, "pico-thread-exit") == 0 && rec_log[i].tid == t)
            texit = i;
    }
    assert_true(wexit >= 0 && texit > wexit);
    ObDereferenceObject(keep[0]);
    ObDereferenceObject(keep[1]);
    ObDereferenceObject(p);
}

static NTSTATUS win_raise_status;
static VOID body_win_raise(PVOID arg)
{
    (void)arg;
    win_raise_status = pssim_pico_raise_exception(STATUS_ACCESS_VIOLATION, NULL, 0, NULL);
}

/* PICO-9: from a Win32 thread (body or host) or with no provider: NOT_SUPPORTED; more than 15
 * parameters, or parameters without a pointer: INVALID_PARAMETER. */
static void test_exception_statuses(void **state)
{
    (void)state;
    ULONG_PTR params[16] = {0};
    assert_int_equal(pssim_pico_raise_exception(STATUS_BREAKPOINT, NULL, 16, params),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_pico_raise_exception(STATUS_BREAKPOINT, NULL, 1, NULL),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_pico_raise_exception(STATUS_BREAKPOINT, NULL, 0, NULL),
                     STATUS_NOT_SUPPORTED);
    /* A WSL body with no provider. */
    exc_body_args a = {STATUS_BREAKPOINT, STATUS_BREAKPOINT, STATUS_PENDING, 0, 0};
    start_body(wsl_process("/bin/x", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL), body_raise, &a);
    win_raise_status = STATUS_PENDING;
    start_body(pssim_host_pid(m), body_win_raise, NULL);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(a.first_status, STATUS_NOT_SUPPORTED);
    assert_int_equal(a.after_second, 1);
    assert_int_equal(win_raise_status, STATUS_NOT_SUPPORTED);
    assert_int_equal(exc_calls, 0);
}

/* ---- an unloaded provider ---- */

/* PICO-3: a provider cannot unregister. Without DriverUnload its driver cannot be unloaded and
 * goes on serving; with one, unloading succeeds and the next call into the provider (here a
 * system call, then an exit callback on another machine) is bug check 0xCE naming the routine
 * and the driver. */
static void test_unloaded_provider(void **state)
{
    (void)state;
    PDRIVER_OBJECT drv = load_provider(noop_entry);
    assert_int_equal(pssim_driver_unload(m, drv), STATUS_INVALID_DEVICE_REQUEST);
    call_out o;
    memset(&o, 0, sizeof(o));
    start_body(wsl_process("/bin/sh", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL), body_sum, &o);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(o.status, STATUS_SUCCESS);
    pssim_machine_destroy(m);

    m = new_timed_machine(1, test_backend);
    sys_calls = 0;
    drv = load_provider(unloadable_entry);
    assert_int_equal(pssim_driver_unload(m, drv), STATUS_SUCCESS);
    memset(&o, 0, sizeof(o));
    start_body(wsl_process("/bin/sh", PSSIM_PROCESS_NO_INITIAL_THREAD, NULL), body_sum, &o);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xCE);
    assert_non_null(strstr(bc.text, "PICO-3"));
    assert_non_null(strstr(bc.text, "lxtest"));
    assert_non_null(strstr(bc.text, "dispatch_system_call"));
    assert_int_equal(o.after, 0);
    assert_int_equal(sys_calls, 0);
    pssim_machine_destroy(m);

    m = new_timed_machine(1, test_backend);
    rec_reset();
    drv = load_provider(unloadable_entry);
    HANDLE pid = wsl_process("/bin/sh", 0, NULL);
    assert_int_equal(pssim_driver_unload(m, drv), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(m, pid, 0), PSSIM_STATUS_BUGCHECK);
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xCE);
    assert_non_null(strstr(bc.text, "exit_thread"));
    assert_int_equal(rec_count_kind("pico-thread-exit"), 0);
}

#define PICO_TESTS                                                                                 \
    cmocka_unit_test_setup_teardown(test_register_statuses, setup, teardown),                      \
        cmocka_unit_test_setup_teardown(test_register_too_late_after_first_process, setup,         \
                                        teardown),                                                 \
        cmocka_unit_test_setup_teardown(test_register_from_driver_entry, setup, teardown),         \
        cmocka_unit_test_setup_teardown(test_syscall_dispatched_on_calling_thread, setup,          \
                                        teardown),                                                 \
        cmocka_unit_test_setup_teardown(test_syscall_statuses, setup, teardown),                   \
        cmocka_unit_test_setup_teardown(test_syscall_returning_at_dispatch_level, setup,           \
                                        teardown),                                                 \
        cmocka_unit_test_setup_teardown(test_syscall_returning_with_apcs_disabled, setup,          \
                                        teardown),                                                 \
        cmocka_unit_test_setup_teardown(test_contexts, setup, teardown),                           \
        cmocka_unit_test_setup_teardown(test_context_dies_with_object, setup, teardown),           \
        cmocka_unit_test_setup_teardown(test_exit_callbacks_order, setup, teardown),               \
        cmocka_unit_test_setup_teardown(test_exit_callbacks_threadless_and_denied, setup,          \
                                        teardown),                                                 \
        cmocka_unit_test_setup_teardown(test_create_through_kernel_routines, setup, teardown),     \
        cmocka_unit_test_setup_teardown(test_terminate_from_system_call, setup, teardown),         \
        cmocka_unit_test_setup_teardown(test_terminate_statuses, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_terminate_defers_unreachable_wait, setup, teardown),  \
        cmocka_unit_test_setup_teardown(test_exit_thread_ends_siblings, setup, teardown),          \
        cmocka_unit_test_setup_teardown(test_exception_handled_then_fatal, setup, teardown),       \
        cmocka_unit_test_setup_teardown(test_exception_statuses, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_unloaded_provider, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {PICO_TESTS};
    return TEST_RUN_ON_BOTH_BACKENDS(tests);
}
