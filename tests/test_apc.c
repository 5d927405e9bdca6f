/* test_apc.c: kernel APCs and the IRPs that need them (docs/apc.md APC-1..6, IRP-18..21) and
 * the verifier's GUIDE-8 (apc-disabled-wait). A lower driver "apclow" owns \Device\ApcLower
 * (buffered) and \Device\ApcDirect (direct I/O) and completes at once, from a system worker, or
 * through IoRaiseHardError; requests come from the host, from thread bodies, and from the
 * process-notify routine of a driver "apcreq". */
#include "verifier_support.h"

#include "core/alloc.h"

REC_DEFINE_STORAGE;

#define IRP_TAG ' prI'
#define BUF_TAG 'fBoI'
#define MDL_TAG ' ldM'
#define IOCTL_ECHO CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_ECHO_DIRECT CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_OUT_DIRECT, FILE_ANY_ACCESS)
#define IOCTL_ECHO_NEITHER CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_NEITHER, FILE_ANY_ACCESS)

/* ---- the lower driver ---- */

typedef enum {
    LOW_NOW,        /* completes at once */
    LOW_THREAD,     /* marks pending; a system worker completes it 1 ms later */
    LOW_KEEP,       /* marks pending and keeps it in low.kept */
    LOW_HARD_ERROR, /* fails it with IoRaiseHardError, at once */
    LOW_THREAD_HARD /* marks pending; a system worker raises the hard error 1 ms later */
} low_mode;

static struct {
    low_mode mode;
    PDEVICE_OBJECT device, direct;
    PIRP kept;
    WORK_QUEUE_ITEM item; /* a work item: the dispatch routine may run at APC_LEVEL */
    /* what the dispatch routine saw */
    UCHAR major;
    ULONG code, in_len, out_len;
    PETHREAD irp_thread, dispatch_thread;
    KPROCESSOR_MODE requestor_mode;
    bool queued_to_thread;
    char input[8];
    /* what the completer saw right after IoCompleteRequest: the caller's status block not yet
     * written (the completion is an APC to the requester) */
    NTSTATUS iosb_after_complete;
    PIO_STATUS_BLOCK watch;
} low;

static void fill_output(PIRP irp)
{
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
    void *out = NULL;
    if (irp->MdlAddress)
        out = MmGetSystemAddressForMdlSafe(irp->MdlAddress, NormalPagePriority);
    else if (irp->Flags & IRP_BUFFERED_IO)
        out = irp->AssociatedIrp.SystemBuffer;
    else if (sp->MajorFunction == IRP_MJ_DEVICE_CONTROL)
        out = irp->UserBuffer; /* METHOD_NEITHER */
    if (out)
        memcpy(out, "pong", 4);
    irp->IoStatus.Status = STATUS_SUCCESS;
    irp->IoStatus.Information = out ? 4 : 0;
}

static VOID completer(PVOID context)
{
    PIRP irp = context;
    pssim_cpu_work(1000000);
    if (low.mode == LOW_THREAD_HARD) {
        irp->IoStatus.Status = STATUS_DEVICE_DATA_ERROR;
        IoRaiseHardError(irp, NULL, low.device);
        return;
    }
    fill_output(irp);
    IoCompleteRequest(irp, IO_DISK_INCREMENT);
    low.iosb_after_complete = low.watch ? low.watch->Status : 0;
}

static NTSTATUS low_dispatch(PDEVICE_OBJECT device, PIRP irp)
{
    (void)device;
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
    low.major = sp->MajorFunction;
    low.code = sp->Parameters.DeviceIoControl.IoControlCode;
    low.in_len = sp->Parameters.DeviceIoControl.InputBufferLength;
    low.out_len = sp->Parameters.DeviceIoControl.OutputBufferLength;
    low.irp_thread = irp->Tail.Overlay.Thread;
    low.dispatch_thread = PsGetCurrentThread();
    low.requestor_mode = irp->RequestorMode;
    low.queued_to_thread = !IsListEmpty(&irp->ThreadListEntry);
    if ((irp->Flags & IRP_BUFFERED_IO) && irp->AssociatedIrp.SystemBuffer)
        memcpy(low.input, irp->AssociatedIrp.SystemBuffer, 4);
    switch (low.mode) {
    case LOW_NOW:
        fill_output(irp);
        IoCompleteRequest(irp, IO_DISK_INCREMENT);
        return STATUS_SUCCESS;
    case LOW_THREAD:
    case LOW_THREAD_HARD:
        IoMarkIrpPending(irp);
        ExInitializeWorkItem(&low.item, completer, irp);
        ExQueueWorkItem(&low.item, DelayedWorkQueue);
        return STATUS_PENDING;
    case LOW_KEEP:
        IoMarkIrpPending(irp);
        low.kept = irp;
        return STATUS_PENDING;
    case LOW_HARD_ERROR:
        IoMarkIrpPending(irp);
        irp->IoStatus.Status = STATUS_DEVICE_DATA_ERROR;
        IoRaiseHardError(irp, NULL, device); /* the IRP is the I/O manager's now */
        return STATUS_PENDING;
    }
    return STATUS_INVALID_DEVICE_REQUEST;
}

static VOID unload_all(PDRIVER_OBJECT d)
{
    while (d->DeviceObject)
        IoDeleteDevice(d->DeviceObject);
}

static NTSTATUS create_named(PDRIVER_OBJECT d, const char *name, ULONG flags, PDEVICE_OBJECT *out)
{
    WCHAR buf[64];
    size_t n = strlen(name);
    for (size_t i = 0; i <= n; i++)
        buf[i] = (WCHAR)name[i];
    UNICODE_STRING u = {(USHORT)(n * sizeof(WCHAR)), (USHORT)((n + 1) * sizeof(WCHAR)), buf};
    NTSTATUS s = IoCreateDevice(d, 0, &u, FILE_DEVICE_UNKNOWN, 0, FALSE, out);
    if (NT_SUCCESS(s))
        (*out)->Flags |= flags;
    return s;
}

static NTSTATUS low_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = unload_all;
    d->MajorFunction[IRP_MJ_DEVICE_CONTROL] = low_dispatch;
    d->MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL] = low_dispatch;
    d->MajorFunction[IRP_MJ_READ] = low_dispatch;
    d->MajorFunction[IRP_MJ_WRITE] = low_dispatch;
    NTSTATUS s = create_named(d, "\\Device\\ApcLower", DO_BUFFERED_IO, &low.device);
    if (NT_SUCCESS(s))
        s = create_named(d, "\\Device\\ApcDirect", DO_DIRECT_IO, &low.direct);
    return s;
}

/* ---- the requester: what it holds while it sends and waits ---- */

typedef enum { HOLD_NOTHING, HOLD_FAST_MUTEX, HOLD_CRITICAL, HOLD_GUARDED } hold;

static struct {
    hold holding;
    bool fsd;         /* IoBuildSynchronousFsdRequest read, else the echo IOCTL */
    LONGLONG timeout; /* 0: none */
    bool hard_errors_off;
    NTSTATUS call_status, wait_status;
    IO_STATUS_BLOCK iosb;
    LONG event_state;
    char out[16];
    KEVENT ev; /* static: a completion may come after the frame that waited has gone */
    bool done;
} req;

static FAST_MUTEX fm;

static void request(void)
{
    PKEVENT ev = &req.ev;
    KeInitializeEvent(ev, NotificationEvent, FALSE);
    memset(req.out, 0xAA, sizeof(req.out));
    req.iosb.Status = -1;
    req.iosb.Information = 0;
    low.watch = &req.iosb;
    BOOLEAN was = TRUE;
    if (req.hard_errors_off)
        was = IoSetThreadHardErrorMode(FALSE);
    PIRP irp;
    if (req.fsd) {
        LARGE_INTEGER offset = {.QuadPart = 512};
        irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, low.device, req.out, sizeof(req.out),
                                           &offset, ev, &req.iosb);
    } else {
        irp = IoBuildDeviceIoControlRequest(IOCTL_ECHO, low.device, "ping", 4, req.out,
                                            sizeof(req.out), FALSE, ev, &req.iosb);
    }
    assert_non_null(irp);
    switch (req.holding) {
    case HOLD_FAST_MUTEX:
        ExAcquireFastMutex(&fm);
        break;
    case HOLD_CRITICAL:
        KeEnterCriticalRegion();
        break;
    case HOLD_GUARDED:
        KeEnterGuardedRegion();
        break;
    default:
        break;
    }
    req.call_status = IoCallDriver(low.device, irp);
    req.wait_status = STATUS_SUCCESS;
    if (req.call_status == STATUS_PENDING) {
        LARGE_INTEGER t = {.QuadPart = -req.timeout};
        req.wait_status =
            KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, req.timeout ? &t : NULL);
    }
    req.event_state = KeReadStateEvent(ev);
    switch (req.holding) {
    case HOLD_FAST_MUTEX:
        ExReleaseFastMutex(&fm); /* APC-5: the completion runs here if it waited */
        break;
    case HOLD_CRITICAL:
        KeLeaveCriticalRegion();
        break;
    case HOLD_GUARDED:
        KeLeaveGuardedRegion();
        break;
    default:
        break;
    }
    if (req.hard_errors_off)
        assert_int_equal(IoSetThreadHardErrorMode(was), FALSE);
    req.done = true;
}

static VOID request_body(PVOID context)
{
    (void)context;
    request();
}

/* ---- the rig ---- */

typedef struct rig {
    pssim_machine *m;
    PDRIVER_OBJECT low_drv;
} rig;

static void rig_up(rig *r, int action)
{
    memset(&low, 0, sizeof(low));
    memset(&req, 0, sizeof(req));
    ExInitializeFastMutex(&fm);
    r->m = vmachine(action, 1);
    assert_int_equal(pssim_driver_load(r->m, low_entry, "apclow", 0, &r->low_drv), STATUS_SUCCESS);
}

static uint64_t blocks(pssim_machine *m, ULONG tag)
{
    uint64_t bytes = 0, n = 0;
    assert_int_equal(pssim_pool_usage(m, tag, &bytes, &n), STATUS_SUCCESS);
    return n;
}

/* Every IRP, system buffer and MDL went back to the pool; no bug check; torn down. */
static void rig_down(rig *r)
{
    assert_false(pssim_machine_bugcheck(r->m, NULL));
    assert_int_equal(blocks(r->m, IRP_TAG), 0);
    assert_int_equal(blocks(r->m, BUF_TAG), 0);
    assert_int_equal(blocks(r->m, MDL_TAG), 0);
    assert_int_equal(pssim_driver_unload(r->m, r->low_drv), STATUS_SUCCESS);
    pssim_machine_destroy(r->m);
}

static void run_body(rig *r, NTSTATUS expect)
{
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = request_body;
    assert_int_equal(pssim_thread_start(r->m, pssim_host_pid(r->m), &p, NULL), STATUS_SUCCESS);
    NTSTATUS st = pssim_machine_run(r->m, 0);
    pssim_bugcheck bc;
    if (st != expect && pssim_machine_bugcheck(r->m, &bc))
        fprintf(stderr, "unexpected bug check: %s\n", bc.text);
    assert_int_equal(st, expect);
}

static void expect_echo_done(void)
{
    assert_true(req.done);
    assert_int_equal(req.wait_status, STATUS_SUCCESS);
    assert_int_equal(req.iosb.Status, STATUS_SUCCESS);
    assert_int_equal(req.iosb.Information, 4);
    assert_memory_equal(req.out, "pong", 4);
    assert_int_equal((unsigned char)req.out[4], 0xAA); /* Information bytes only (IRP-19) */
    assert_int_equal(req.event_state, 1);
}

/* ---- tests ---- */

/* IRP-18, IRP-19, APC-5: a threaded IOCTL completed at once: the dispatch routine sees it
 * queued to the caller's thread with the buffered input; the completion runs at once on that
 * thread: output copied back, UserIosb and the event set, the IRP and buffer freed. */
static void test_ioctl_completed_at_once(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, PSSIM_VERIFIER_DEFAULT);
    request();
    assert_int_equal(req.call_status, STATUS_SUCCESS);
    expect_echo_done();
    assert_int_equal(low.major, IRP_MJ_DEVICE_CONTROL);
    assert_int_equal(low.code, IOCTL_ECHO);
    assert_int_equal(low.in_len, 4);
    assert_int_equal(low.out_len, 16);
    assert_memory_equal(low.input, "ping", 4);
    assert_ptr_equal(low.irp_thread, PsGetCurrentThread());
    assert_true(low.queued_to_thread);
    assert_int_equal(low.requestor_mode, KernelMode);
    assert_int_equal(pssim_verifier_report_count(r.m), 0);
    rig_down(&r);
}

/* IRP-18: the internal variant, METHOD_OUT_DIRECT (an MDL over the output) and METHOD_NEITHER
 * (the caller's pointers); IoBuildSynchronousFsdRequest reads through a buffered and a direct
 * device. */
static void test_builders(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, PSSIM_VERIFIER_DEFAULT);
    KEVENT ev;
    IO_STATUS_BLOCK iosb;
    char out[8];
    struct {
        ULONG code;
        BOOLEAN internal;
        UCHAR major;
    } cases[] = {{IOCTL_ECHO, TRUE, IRP_MJ_INTERNAL_DEVICE_CONTROL},
                 {IOCTL_ECHO_DIRECT, FALSE, IRP_MJ_DEVICE_CONTROL},
                 {IOCTL_ECHO_NEITHER, FALSE, IRP_MJ_DEVICE_CONTROL}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        KeInitializeEvent(&ev, NotificationEvent, FALSE);
        memset(out, 0, sizeof(out));
        PIRP irp = IoBuildDeviceIoControlRequest(cases[i].code, low.device, "ping", 4, out,
                                                 sizeof(out), cases[i].internal, &ev, &iosb);
        assert_non_null(irp);
        assert_int_equal(IoGetNextIrpStackLocation(irp)->MajorFunction, cases[i].major);
        assert_int_equal(IoCallDriver(low.device, irp), STATUS_SUCCESS);
        assert_int_equal(iosb.Status, STATUS_SUCCESS);
        assert_memory_equal(out, "pong", 4);
        assert_int_equal(KeReadStateEvent(&ev), 1);
    }
    /* Synchronous FSD reads: buffered and direct, with the offset. */
    PDEVICE_OBJECT devs[2] = {low.device, low.direct};
    for (int i = 0; i < 2; i++) {
        KeInitializeEvent(&ev, NotificationEvent, FALSE);
        memset(out, 0, sizeof(out));
        LARGE_INTEGER offset = {.QuadPart = 4096};
        PIRP irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, devs[i], out, sizeof(out), &offset,
                                                &ev, &iosb);
        assert_non_null(irp);
        PIO_STACK_LOCATION sp = IoGetNextIrpStackLocation(irp);
        assert_int_equal(sp->MajorFunction, IRP_MJ_READ);
        assert_int_equal(sp->Parameters.Read.Length, sizeof(out));
        assert_int_equal(sp->Parameters.Read.ByteOffset.QuadPart, 4096);
        assert_true(i == 0 ? irp->AssociatedIrp.SystemBuffer != NULL : irp->MdlAddress != NULL);
        assert_int_equal(IoCallDriver(devs[i], irp), STATUS_SUCCESS);
        assert_int_equal(iosb.Information, 4);
        assert_memory_equal(out, "pong", 4);
        assert_int_equal(KeReadStateEvent(&ev), 1);
    }
    /* Above PASSIVE_LEVEL no IRP is built (IRP-18): 0xC4 / 0xE5. */
    assert_int_equal(blocks(r.m, IRP_TAG), 0);
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    assert_null(
        IoBuildDeviceIoControlRequest(IOCTL_ECHO, low.device, NULL, 0, NULL, 0, FALSE, &ev, &iosb));
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(r.m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0xE5);
    pssim_machine_destroy(r.m);
}

/* IRP-18: the I/O manager frees a threaded IRP; a driver that frees it itself frees an IRP still
 * queued to its thread: 0xC9 / 0x2. */
static void test_free_threaded_irp(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, PSSIM_VERIFIER_DEFAULT);
    KEVENT ev;
    IO_STATUS_BLOCK iosb;
    KeInitializeEvent(&ev, NotificationEvent, FALSE);
    PIRP irp =
        IoBuildDeviceIoControlRequest(IOCTL_ECHO, low.device, NULL, 0, NULL, 0, FALSE, &ev, &iosb);
    IoFreeIrp(irp);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(r.m, &bc));
    assert_int_equal(bc.code, 0xC9);
    assert_int_equal(bc.parameters[0], 0x2);
    pssim_machine_destroy(r.m);
}

/* IRP-19, APC-5: completed later from a system worker while the requester waits at
 * PASSIVE_LEVEL: the completer leaves the status block alone (the final stage is an APC to the
 * requester), the APC interrupts the requester's wait, runs, and the wait resumes and ends with
 * the event, never STATUS_KERNEL_APC; with a timeout too. From a thread body and from the
 * host. */
static void test_ioctl_completed_by_thread(void **state)
{
    (void)state;
    for (int host = 0; host < 2; host++) {
        for (int timed = 0; timed < 2; timed++) {
            rig r;
            rig_up(&r, PSSIM_VERIFIER_DEFAULT);
            low.mode = LOW_THREAD;
            req.timeout = timed ? 100000 /* 10 ms */ : 0;
            if (host)
                request();
            else
                run_body(&r, STATUS_SUCCESS);
            assert_int_equal(req.call_status, STATUS_PENDING);
            expect_echo_done();
            assert_int_equal(low.iosb_after_complete, -1);
            assert_ptr_not_equal(low.dispatch_thread, NULL);
            assert_int_equal(pssim_verifier_report_count(r.m), 0);
            rig_down(&r);
        }
    }
}

/* APC-3: inside KeEnterCriticalRegion only normal kernel APCs are off; the completion is a
 * special one and still runs: no deadlock, no report. */
static void test_critical_region_still_completes(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, PSSIM_VERIFIER_DEFAULT);
    low.mode = LOW_THREAD;
    req.holding = HOLD_CRITICAL;
    run_body(&r, STATUS_SUCCESS);
    expect_echo_done();
    assert_int_equal(vcount(r.m, PSSIM_VRULE_APC_DISABLED_WAIT), 0);
    rig_down(&r);
}

/* GUIDE-8, APC-2: the classic bug. A thread holds a fast mutex (APC_LEVEL) while it waits for a
 * threaded IRP that another thread completes: the completion APC cannot run, the wait never
 * ends. Reported, and the run ends as a possible deadlock instead of hanging. From the host the
 * wait returns STATUS_POSSIBLE_DEADLOCK, and releasing the mutex lets the APC run (APC-5). */
static void test_fast_mutex_wait_deadlocks(void **state)
{
    (void)state;
    for (int fsd = 0; fsd < 2; fsd++) {
        rig r;
        rig_up(&r, PSSIM_VERIFIER_DEFAULT);
        low.mode = LOW_THREAD;
        req.holding = HOLD_FAST_MUTEX;
        req.fsd = fsd;
        run_body(&r, STATUS_POSSIBLE_DEADLOCK);
        assert_false(req.done);
        assert_int_equal(vcount(r.m, PSSIM_VRULE_APC_DISABLED_WAIT), 1);
        const pssim_verifier_report *v = vfirst(r.m, PSSIM_VRULE_APC_DISABLED_WAIT);
        assert_int_equal(v->action, PSSIM_VERIFIER_WARN);
        assert_string_equal(v->call, "KeWaitForSingleObject");
        assert_non_null(strstr(v->text, "IRQL 1"));
        assert_non_null(strstr(v->text, "GUIDE-8"));
        assert_non_null(strstr(v->text, "special kernel APC"));
        assert_non_null(strstr(v->text, fsd ? "IoBuildSynchronousFsdRequest"
                                            : "IoBuildDeviceIoControlRequest"));
        assert_non_null(strstr(v->text, "work item"));
        assert_non_null(strstr(pssim_machine_report(r.m), "waits"));
        pssim_machine_destroy(r.m); /* the thread still waits: its IRP goes with the machine */
    }

    rig r;
    rig_up(&r, PSSIM_VERIFIER_DEFAULT);
    low.mode = LOW_THREAD;
    req.holding = HOLD_FAST_MUTEX;
    request(); /* from the host */
    assert_int_equal(req.wait_status, STATUS_POSSIBLE_DEADLOCK);
    assert_int_equal(req.event_state, 0);
    assert_int_equal(vcount(r.m, PSSIM_VRULE_APC_DISABLED_WAIT), 1);
    /* The mutex was released after the wait gave up: the completion ran then. */
    assert_int_equal(req.iosb.Status, STATUS_SUCCESS);
    assert_memory_equal(req.out, "pong", 4);
    rig_down(&r);
}

/* GUIDE-8, APC-2: a guarded region holds off special kernel APCs as well. */
static void test_guarded_region_wait_deadlocks(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, PSSIM_VERIFIER_DEFAULT);
    low.mode = LOW_THREAD;
    req.holding = HOLD_GUARDED;
    run_body(&r, STATUS_POSSIBLE_DEADLOCK);
    const pssim_verifier_report *v = vfirst(r.m, PSSIM_VRULE_APC_DISABLED_WAIT);
    assert_non_null(strstr(v->text, "guarded region"));
    pssim_machine_destroy(r.m);
}

/* GUIDE-8 off: no report, the run still ends as a possible deadlock; on fail: 0xC4 with P1 =
 * PSSIM_VERIFIER_BUGCHECK_BASE + the rule. */
static void test_rule_off_and_fail(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, PSSIM_VERIFIER_OFF);
    low.mode = LOW_THREAD;
    req.holding = HOLD_FAST_MUTEX;
    run_body(&r, STATUS_POSSIBLE_DEADLOCK);
    assert_int_equal(pssim_verifier_report_count(r.m), 0);
    pssim_machine_destroy(r.m);

    rig_up(&r, PSSIM_VERIFIER_FAIL);
    low.mode = LOW_THREAD;
    req.holding = HOLD_FAST_MUTEX;
    run_body(&r, PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(r.m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0],
                     PSSIM_VERIFIER_BUGCHECK_BASE + PSSIM_VRULE_APC_DISABLED_WAIT);
    pssim_machine_destroy(r.m);
}

/* ---- IoRaiseHardError (IRP-20, IRP-21) ---- */

/* "apcreq": its process-notify routine (in a critical region, PROC-NOTIFY-4) sends the echo
 * IOCTL and waits for it. */
static NTSTATUS notify_wait_status;
static VOID req_routine(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    (void)pid;
    if (!create)
        return;
    request();
    notify_wait_status = req.wait_status;
}

static VOID req_unload(PDRIVER_OBJECT d)
{
    (void)d;
    PsSetCreateProcessNotifyRoutine(req_routine, TRUE);
}

static NTSTATUS req_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = req_unload;
    return PsSetCreateProcessNotifyRoutine(req_routine, FALSE);
}

static void spawn_with_requester(rig *r, PDRIVER_OBJECT *req_drv)
{
    assert_int_equal(pssim_driver_load(r->m, req_entry, "apcreq", 0, req_drv), STATUS_SUCCESS);
    HANDLE pid;
    assert_int_equal(spawn(r->m, "\\??\\C:\\app.exe", &pid, NULL), STATUS_SUCCESS);
}

/* IRP-20, GUIDE-8, APC-3: the lower driver fails the request with IoRaiseHardError while the
 * requester is inside a process-notify routine: the dialog's normal kernel APC cannot run in
 * the routine's critical region, and the routine's wait for the IRP can never end. Reported
 * against the routine; the wait gives up as a possible deadlock, and once the routine returns
 * (its region left) the APC runs and the IRP completes with its error. */
static void test_hard_error_in_notify_routine(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, PSSIM_VERIFIER_DEFAULT);
    low.mode = LOW_HARD_ERROR;
    PDRIVER_OBJECT req_drv;
    spawn_with_requester(&r, &req_drv);
    assert_int_equal(notify_wait_status, STATUS_POSSIBLE_DEADLOCK);
    assert_int_equal(vcount(r.m, PSSIM_VRULE_APC_DISABLED_WAIT), 1);
    const pssim_verifier_report *v = vfirst(r.m, PSSIM_VRULE_APC_DISABLED_WAIT);
    assert_string_equal(v->driver, "apcreq");
    assert_true(v->routine[0] != 0); /* its symbol, or its address for a static routine */
    assert_non_null(strstr(v->text, "IoRaiseHardError"));
    assert_non_null(strstr(v->text, "normal kernel APC"));
    assert_non_null(strstr(v->text, "critical region depth 1"));
    assert_non_null(strstr(v->text, "process-notify routine"));
    /* After the routine: the APC ran, the IRP completed with the error, nothing copied back. */
    assert_int_equal(req.iosb.Status, STATUS_DEVICE_DATA_ERROR);
    assert_int_equal((unsigned char)req.out[0], 0xAA);
    assert_int_equal(pssim_driver_unload(r.m, req_drv), STATUS_SUCCESS);
    rig_down(&r);
}

/* IRP-20, APC-5: outside any region the dialog's APC runs (the user answers) and the IRP
 * completes with its error: at once when raised on the requester's own thread, and through an
 * interrupted wait when raised from another thread. */
static void test_hard_error_outside_region(void **state)
{
    (void)state;
    for (int later = 0; later < 2; later++) {
        rig r;
        rig_up(&r, PSSIM_VERIFIER_DEFAULT);
        low.mode = later ? LOW_THREAD_HARD : LOW_HARD_ERROR;
        run_body(&r, STATUS_SUCCESS);
        assert_true(req.done);
        assert_int_equal(req.call_status, STATUS_PENDING);
        assert_int_equal(req.wait_status, STATUS_SUCCESS);
        assert_int_equal(req.iosb.Status, STATUS_DEVICE_DATA_ERROR);
        assert_int_equal(req.event_state, 1);
        assert_int_equal(pssim_verifier_report_count(r.m), 0);
        rig_down(&r);
    }
}

/* IRP-21: with hard errors disabled on the thread (IoSetThreadHardErrorMode(FALSE), which
 * returns the previous mode), IoRaiseHardError completes the IRP at once, even in a notify
 * routine's critical region: no deadlock, no report. */
static void test_hard_errors_disabled(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, PSSIM_VERIFIER_DEFAULT);
    low.mode = LOW_HARD_ERROR;
    req.hard_errors_off = true;
    PDRIVER_OBJECT req_drv;
    spawn_with_requester(&r, &req_drv);
    assert_int_equal(notify_wait_status, STATUS_SUCCESS);
    assert_int_equal(req.iosb.Status, STATUS_DEVICE_DATA_ERROR);
    assert_int_equal(req.event_state, 1);
    assert_int_equal(vcount(r.m, PSSIM_VRULE_APC_DISABLED_WAIT), 0);
    assert_int_equal(IoSetThreadHardErrorMode(TRUE), TRUE); /* the host's was never changed */
    assert_int_equal(pssim_driver_unload(r.m, req_drv), STATUS_SUCCESS);
    rig_down(&r);
}

/* APC-6: a thread that ends with a threaded IRP outstanding: when the IRP completes later its
 * completion is run down (the IRP and its buffer freed; nothing written to the dead thread's
 * status block). */
static void test_requester_gone(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, PSSIM_VERIFIER_DEFAULT);
    low.mode = LOW_KEEP;
    req.timeout = 10000; /* 1 ms: gives up, and the body returns */
    run_body(&r, STATUS_SUCCESS);
    assert_int_equal(req.wait_status, STATUS_TIMEOUT);
    assert_non_null(low.kept);
    req.iosb.Status = 12345;
    low.kept->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(low.kept, IO_NO_INCREMENT);
    assert_int_equal(req.iosb.Status, 12345);
    rig_down(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ioctl_completed_at_once),
        cmocka_unit_test(test_builders),
        cmocka_unit_test(test_free_threaded_irp),
        cmocka_unit_test(test_ioctl_completed_by_thread),
        cmocka_unit_test(test_critical_region_still_completes),
        cmocka_unit_test(test_fast_mutex_wait_deadlocks),
        cmocka_unit_test(test_guarded_region_wait_deadlocks),
        cmocka_unit_test(test_rule_off_and_fail),
        cmocka_unit_test(test_hard_error_in_notify_routine),
        cmocka_unit_test(test_hard_error_outside_region),
        cmocka_unit_test(test_hard_errors_disabled),
        cmocka_unit_test(test_requester_gone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
