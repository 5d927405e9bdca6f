/* test_irp.c: the IRP engine and MDLs (docs/io.md IRP-1..17), with a layered pair of test
 * drivers: "irplow" owns \Device\IrpLower and completes, pends or cancels what it gets; "irpup"
 * owns \Device\IrpUpper and forwards to the lower device the ways filter drivers do. IRPs come
 * from the host thread (the test), which plays the originator. */
#include "support.h"

#include "core/alloc.h"
#include "io/io.h"

REC_DEFINE_STORAGE;

#define IRP_TAG ' prI'
#define MDL_TAG ' ldM'

/* ---- what the drivers and routines saw ---- */

typedef struct ev {
    char what[16];
    PDEVICE_OBJECT device;
    PIRP irp;
    int location; /* Irp->CurrentLocation */
    PIO_STACK_LOCATION sp;
    UCHAR major, control;
    ULONG length; /* Parameters.Read.Length of the current location */
    BOOLEAN pending_returned, cancel, system_thread;
    NTSTATUS status;
    ULONG_PTR info;
    KIRQL irql;
    PVOID cancel_routine;
    KIRQL cancel_irql;
    ULONG lower_length;  /* the location below, as a completion routine finds it */
    PVOID lower_routine; /* its CompletionRoutine */
} ev;

static ev evlog[32];
static int evcount;

static ev *log_add(const char *what, PDEVICE_OBJECT device, PIRP irp)
{
    assert_true(evcount < 32);
    ev *e = &evlog[evcount++];
    memset(e, 0, sizeof(*e));
    snprintf(e->what, sizeof(e->what), "%s", what);
    e->device = device;
    e->irp = irp;
    e->location = irp->CurrentLocation;
    e->pending_returned = irp->PendingReturned;
    e->cancel = irp->Cancel;
    e->status = irp->IoStatus.Status;
    e->info = irp->IoStatus.Information;
    e->irql = KeGetCurrentIrql();
    e->system_thread = PsIsSystemThread(PsGetCurrentThread());
    e->cancel_routine = AS_PVOID(irp->CancelRoutine);
    return e;
}

static int log_find(const char *what)
{
    for (int i = 0; i < evcount; i++)
        if (strcmp(evlog[i].what, what) == 0)
            return i;
    return -1;
}

/* ---- the lower driver ---- */

typedef enum {
    LOW_COMPLETE,            /* completes at once with low.status / low.info */
    LOW_PEND,                /* marks pending, keeps the IRP in low.pending */
    LOW_PEND_THREAD,         /* marks pending; a system thread completes it */
    LOW_PEND_CANCELABLE,     /* marks pending with a cancel routine */
    LOW_COMPLETE_CANCELABLE, /* sets a cancel routine and completes anyway */
    LOW_RETURN_RAISED        /* completes, then returns at DISPATCH_LEVEL */
} low_mode;

static struct {
    low_mode mode;
    NTSTATUS status;
    ULONG_PTR info;
    bool cancel_keeps_lock;
    PIRP pending;
    PDEVICE_OBJECT device;
} low;

static VOID low_cancel(PDEVICE_OBJECT device, PIRP irp)
{
    ev *e = log_add("low_cancel", device, irp);
    e->cancel_irql = irp->CancelIrql;
    if (low.cancel_keeps_lock)
        return;
    IoReleaseCancelSpinLock(irp->CancelIrql);
    low.pending = NULL;
    irp->IoStatus.Status = STATUS_CANCELLED;
    irp->IoStatus.Information = 0;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
}

static VOID low_completer(PVOID context)
{
    PIRP irp = context;
    log_add("completer", NULL, irp);
    irp->IoStatus.Status = low.status;
    irp->IoStatus.Information = low.info;
    IoCompleteRequest(irp, IO_DISK_INCREMENT);
}

static NTSTATUS low_dispatch(PDEVICE_OBJECT device, PIRP irp)
{
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
    ev *e = log_add("low", device, irp);
    e->sp = sp;
    e->major = sp->MajorFunction;
    e->control = sp->Control;
    e->length = sp->Parameters.Read.Length;
    KIRQL old;
    switch (low.mode) {
    case LOW_COMPLETE:
        break;
    case LOW_PEND:
        IoMarkIrpPending(irp);
        low.pending = irp;
        return STATUS_PENDING;
    case LOW_PEND_THREAD: {
        IoMarkIrpPending(irp);
        HANDLE h;
        OBJECT_ATTRIBUTES oa;
        InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
        assert_int_equal(
            PsCreateSystemThread(&h, THREAD_ALL_ACCESS, &oa, NULL, NULL, low_completer, irp),
            STATUS_SUCCESS);
        ZwClose(h);
        return STATUS_PENDING;
    }
    case LOW_PEND_CANCELABLE:
        IoMarkIrpPending(irp);
        low.pending = irp;
        IoSetCancelRoutine(irp, low_cancel);
        return STATUS_PENDING;
    case LOW_COMPLETE_CANCELABLE:
        IoSetCancelRoutine(irp, low_cancel);
        break;
    case LOW_RETURN_RAISED:
        KeRaiseIrql(DISPATCH_LEVEL, &old);
        break;
    }
    NTSTATUS status = low.status;
    irp->IoStatus.Status = status;
    irp->IoStatus.Information = low.info;
    IoCompleteRequest(irp, IO_DISK_INCREMENT);
    return status;
}

static VOID unload_all_devices(PDRIVER_OBJECT d)
{
    while (d->DeviceObject)
        IoDeleteDevice(d->DeviceObject);
}

static NTSTATUS create_named(PDRIVER_OBJECT d, const char *name, ULONG ext, PDEVICE_OBJECT *out)
{
    WCHAR buf[64];
    size_t n = strlen(name);
    for (size_t i = 0; i <= n; i++)
        buf[i] = (WCHAR)name[i];
    UNICODE_STRING u = {(USHORT)(n * sizeof(WCHAR)), (USHORT)((n + 1) * sizeof(WCHAR)), buf};
    NTSTATUS s = IoCreateDevice(d, ext, &u, FILE_DEVICE_UNKNOWN, 0, FALSE, out);
    if (NT_SUCCESS(s))
        (*out)->Flags &= ~(ULONG)DO_DEVICE_INITIALIZING;
    return s;
}

static NTSTATUS low_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = unload_all_devices;
    d->MajorFunction[IRP_MJ_READ] = low_dispatch;
    d->MajorFunction[IRP_MJ_WRITE] = low_dispatch;
    d->MajorFunction[IRP_MJ_DEVICE_CONTROL] = low_dispatch;
    /* IRP_MJ_CREATE is left to the I/O manager's default (IRP-4). */
    return create_named(d, "\\Device\\IrpLower", 0, &low.device);
}

/* ---- the upper driver ---- */

typedef enum {
    UP_SKIP,                /* IoSkipCurrentIrpStackLocation + IoCallDriver */
    UP_COPY,                /* IoCopyCurrentIrpStackLocationToNext (+ a completion routine) */
    UP_SYNC,                /* forward, wait with STATUS_MORE_PROCESSING_REQUIRED, complete */
    UP_NO_LOCATION,         /* forwards without checking there is a location for the lower */
    UP_COMPLETE_AFTER_SKIP, /* forwards, then completes the IRP itself too */
    UP_OWN_IRP,             /* sends an IRP of its own, completes the original from it */
    UP_OWN_IRP_NO_ROUTINE   /* sends an IRP of its own without a completion routine */
} up_mode;

typedef struct up_ext {
    PDEVICE_OBJECT lower;
} up_ext;

static struct {
    up_mode mode;
    bool set_routine;
    UCHAR invoke; /* SL_INVOKE_* for the completion routine */
    bool propagate_pending;
    NTSTATUS routine_result;
    PDEVICE_OBJECT device;
} up;

static NTSTATUS up_completion(PDEVICE_OBJECT device, PIRP irp, PVOID context)
{
    ev *e = log_add("up_cr", device, irp);
    PIO_STACK_LOCATION below = IoGetNextIrpStackLocation(irp);
    e->lower_length = below->Parameters.Read.Length;
    e->lower_routine = AS_PVOID(below->CompletionRoutine);
    e->sp = IoGetCurrentIrpStackLocation(irp);
    assert_ptr_equal(context, &up);
    if (up.propagate_pending && irp->PendingReturned)
        IoMarkIrpPending(irp);
    return up.routine_result;
}

static NTSTATUS up_sync_completion(PDEVICE_OBJECT device, PIRP irp, PVOID context)
{
    log_add("up_sync_cr", device, irp);
    KeSetEvent((PKEVENT)context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* The completion routine of an IRP the upper driver allocated: it has no location of its own
 * in that IRP, so it gets no device object. */
static NTSTATUS up_own_irp_done(PDEVICE_OBJECT device, PIRP own, PVOID context)
{
    PIRP original = context;
    ev *e = log_add("up_own_cr", device, own);
    e->status = own->IoStatus.Status;
    original->IoStatus = own->IoStatus;
    IoFreeIrp(own);
    IoCompleteRequest(original, IO_NO_INCREMENT);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS up_dispatch(PDEVICE_OBJECT device, PIRP irp)
{
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
    ev *e = log_add("up", device, irp);
    e->sp = sp;
    e->major = sp->MajorFunction;
    e->length = sp->Parameters.Read.Length;
    PDEVICE_OBJECT lower = ((up_ext *)device->DeviceExtension)->lower;
    NTSTATUS status;
    switch (up.mode) {
    case UP_SKIP:
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(lower, irp);
    case UP_COPY:
        IoCopyCurrentIrpStackLocationToNext(irp);
        if (up.set_routine)
            IoSetCompletionRoutine(irp, up_completion, &up, (up.invoke & SL_INVOKE_ON_SUCCESS) != 0,
                                   (up.invoke & SL_INVOKE_ON_ERROR) != 0,
                                   (up.invoke & SL_INVOKE_ON_CANCEL) != 0);
        return IoCallDriver(lower, irp);
    case UP_SYNC: {
        KEVENT done;
        KeInitializeEvent(&done, NotificationEvent, FALSE);
        IoCopyCurrentIrpStackLocationToNext(irp);
        IoSetCompletionRoutine(irp, up_sync_completion, &done, TRUE, TRUE, TRUE);
        status = IoCallDriver(lower, irp);
        if (status == STATUS_PENDING) {
            KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
            status = irp->IoStatus.Status;
        }
        ev *after = log_add("up_after", device, irp);
        after->sp = IoGetCurrentIrpStackLocation(irp);
        irp->IoStatus.Information += 100; /* the upper driver's own post-processing */
        IoCompleteRequest(irp, IO_NO_INCREMENT);
        return status;
    }
    case UP_NO_LOCATION:
        return IoCallDriver(lower, irp);
    case UP_COMPLETE_AFTER_SKIP:
        IoSkipCurrentIrpStackLocation(irp);
        status = IoCallDriver(lower, irp);
        irp->IoStatus.Status = status;
        IoCompleteRequest(irp, IO_NO_INCREMENT); /* the lower driver completed it already */
        return status;
    case UP_OWN_IRP:
    case UP_OWN_IRP_NO_ROUTINE: {
        PIRP own = IoAllocateIrp(lower->StackSize, FALSE);
        assert_non_null(own);
        PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(own);
        next->MajorFunction = IRP_MJ_READ;
        next->Parameters.Read.Length = sp->Parameters.Read.Length;
        if (up.mode == UP_OWN_IRP)
            IoSetCompletionRoutine(own, up_own_irp_done, irp, TRUE, TRUE, TRUE);
        IoMarkIrpPending(irp);
        IoCallDriver(lower, own);
        return STATUS_PENDING;
    }
    }
    return STATUS_INVALID_DEVICE_REQUEST;
}

static NTSTATUS up_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = unload_all_devices;
    d->MajorFunction[IRP_MJ_READ] = up_dispatch;
    d->MajorFunction[IRP_MJ_DEVICE_CONTROL] = up_dispatch;
    return create_named(d, "\\Device\\IrpUpper", sizeof(up_ext), &up.device);
}

/* ---- the rig: a machine with both drivers, the upper device layered on the lower ---- */

static NTSTATUS host_result; /* what the host's completion routine returns */

typedef struct rig {
    pssim_machine *m;
    PDRIVER_OBJECT low_drv, up_drv;
} rig;

static uint64_t pool_blocks(pssim_machine *m, ULONG tag)
{
    uint64_t bytes = 0, blocks = 0;
    assert_int_equal(pssim_pool_usage(m, tag, &bytes, &blocks), STATUS_SUCCESS);
    return blocks;
}

static void rig_up(rig *r)
{
    memset(&low, 0, sizeof(low));
    memset(&up, 0, sizeof(up));
    memset(evlog, 0, sizeof(evlog));
    evcount = 0;
    low.mode = LOW_COMPLETE;
    low.status = STATUS_SUCCESS;
    host_result = STATUS_SUCCESS;
    r->m = new_timed_machine(1, test_default_backend());
    assert_int_equal(pssim_driver_load(r->m, low_entry, "irplow", 0, &r->low_drv), STATUS_SUCCESS);
    assert_int_equal(pssim_driver_load(r->m, up_entry, "irpup", 0, &r->up_drv), STATUS_SUCCESS);
    /* What attaching would do: the upper device forwards to the lower one and needs one more
     * stack location than it. */
    ((up_ext *)up.device->DeviceExtension)->lower = low.device;
    up.device->StackSize = (CCHAR)(low.device->StackSize + 1);
}

/* A clean finish: no bug check, every IRP and MDL freed, both drivers unloaded. */
static void rig_down(rig *r)
{
    assert_false(pssim_machine_bugcheck(r->m, NULL));
    assert_int_equal(pool_blocks(r->m, IRP_TAG), 0);
    assert_int_equal(pool_blocks(r->m, MDL_TAG), 0);
    assert_int_equal(pssim_driver_unload(r->m, r->up_drv), STATUS_SUCCESS);
    assert_int_equal(pssim_driver_unload(r->m, r->low_drv), STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(r->m, NULL));
    pssim_machine_destroy(r->m);
}

/* Expects the machine stopped with `code` and first parameter `p1`; destroys it. */
static pssim_bugcheck expect_bugcheck(rig *r, ULONG code, ULONG_PTR p1)
{
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(r->m, &bc));
    if (bc.code != code)
        fprintf(stderr, "unexpected bug check: %s\n", bc.text);
    assert_int_equal(bc.code, code);
    assert_int_equal(bc.parameters[0], p1);
    pssim_machine_destroy(r->m);
    return bc;
}

/* An IRP from the host for `target`, with the target's first location filled in. */
static PIRP host_irp(PDEVICE_OBJECT target, UCHAR major, ULONG length)
{
    PIRP irp = IoAllocateIrp(target->StackSize, FALSE);
    assert_non_null(irp);
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    next->MajorFunction = major;
    next->Parameters.Read.Length = length;
    return irp;
}

static NTSTATUS host_completion(PDEVICE_OBJECT device, PIRP irp, PVOID context)
{
    ev *e = log_add("host_cr", device, irp);
    e->sp = IoGetCurrentIrpStackLocation(irp);
    (void)context;
    return host_result;
}

static PIO_STACK_LOCATION location(PIRP irp, int index)
{
    return (PIO_STACK_LOCATION)(irp + 1) + index;
}

/* ---- tests ---- */

/* IRP-1, IRP-5: the WDK's x64 layouts, control codes and IoSizeOfIrp. */
static void test_layout_and_control_codes(void **state)
{
    (void)state;
    if (sizeof(void *) == 8) {
        assert_int_equal(sizeof(IRP), 0xD0);
        assert_int_equal(sizeof(IO_STACK_LOCATION), 0x48);
        assert_int_equal(sizeof(MDL), 0x30);
        assert_int_equal(offsetof(IRP, IoStatus), 0x30);
        assert_int_equal(offsetof(IRP, AssociatedIrp.SystemBuffer), 0x18);
        assert_int_equal(offsetof(IRP, CancelRoutine), 0x68);
        assert_int_equal(offsetof(IRP, UserBuffer), 0x70);
        assert_int_equal(offsetof(IRP, Tail.Overlay.CurrentStackLocation), 0xB8);
        assert_int_equal(offsetof(IO_STACK_LOCATION, Parameters.DeviceIoControl.IoControlCode),
                         0x18);
        assert_int_equal(offsetof(IO_STACK_LOCATION, CompletionRoutine), 0x38);
    }
    assert_int_equal(IoSizeOfIrp(2), sizeof(IRP) + 2 * sizeof(IO_STACK_LOCATION));
    assert_int_equal(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS),
                     0x222000);
    ULONG code = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_OUT_DIRECT,
                          FILE_READ_ACCESS | FILE_WRITE_ACCESS);
    assert_int_equal(code, 0x22E006);
    assert_int_equal(DEVICE_TYPE_FROM_CTL_CODE(code), FILE_DEVICE_UNKNOWN);
    assert_int_equal(METHOD_FROM_CTL_CODE(code), METHOD_OUT_DIRECT);
}

/* IRP-1, IRP-2: what IoAllocateIrp fills in; nonpaged pool, NULL when out of memory or for a
 * stack size out of range; IoInitializeIrp on caller memory, IoReuseIrp, IoFreeIrp. */
static void test_allocate_and_free(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    PIRP irp = IoAllocateIrp(3, FALSE);
    assert_non_null(irp);
    assert_int_equal(irp->Type, IO_TYPE_IRP);
    assert_int_equal(irp->Size, IoSizeOfIrp(3));
    assert_int_equal(irp->StackCount, 3);
    assert_int_equal(irp->CurrentLocation, 4);
    assert_ptr_equal(IoGetCurrentIrpStackLocation(irp), location(irp, 3));
    assert_ptr_equal(IoGetNextIrpStackLocation(irp), location(irp, 2));
    assert_null(irp->Tail.Overlay.Thread);
    assert_true(IsListEmpty(&irp->ThreadListEntry));
    assert_null(irp->MdlAddress);
    assert_null(irp->UserIosb);
    assert_int_equal(irp->AllocationFlags, 0);
    assert_int_equal(irp->RequestorMode, KernelMode);
    assert_false(irp->Cancel);
    unsigned char zero[sizeof(IO_STACK_LOCATION)] = {0};
    for (int i = 0; i < 3; i++)
        assert_memory_equal(location(irp, i), zero, sizeof(zero));
    assert_int_equal(pool_blocks(r.m, IRP_TAG), 1);

    PIRP quota = IoAllocateIrp(1, TRUE);
    assert_int_equal(quota->AllocationFlags, IRP_QUOTA_CHARGED);
    quota->IoStatus.Information = 99;
    IoReuseIrp(quota, STATUS_CANCELLED);
    assert_int_equal(quota->AllocationFlags, IRP_QUOTA_CHARGED);
    assert_int_equal(quota->IoStatus.Status, STATUS_CANCELLED);
    assert_int_equal(quota->IoStatus.Information, 0);
    assert_int_equal(quota->CurrentLocation, 2);
    IoFreeIrp(quota);
    IoFreeIrp(irp);
    assert_int_equal(pool_blocks(r.m, IRP_TAG), 0);

    assert_null(IoAllocateIrp(-1, FALSE));
    assert_null(IoAllocateIrp(126, FALSE));
    pssim__alloc_fail_at(1);
    assert_null(IoAllocateIrp(2, FALSE));
    pssim__alloc_fail_at(0);

    /* A driver's own memory, initialized as an IRP. */
    USHORT size = IoSizeOfIrp(2);
    PIRP mine = ExAllocatePool2(POOL_FLAG_NON_PAGED, size, 'tseT');
    memset(mine, 0xCC, size);
    IoInitializeIrp(mine, size, 2);
    assert_int_equal(mine->Type, IO_TYPE_IRP);
    assert_int_equal(mine->Size, size);
    assert_int_equal(mine->CurrentLocation, 3);
    assert_ptr_equal(IoGetCurrentIrpStackLocation(mine), location(mine, 2));
    assert_memory_equal(location(mine, 0), zero, sizeof(zero));
    ExFreePoolWithTag(mine, 'tseT');
    rig_down(&r);

    /* IoFreeIrp of an IRP twice, or of memory IoAllocateIrp did not hand out. */
    rig_up(&r);
    irp = IoAllocateIrp(1, FALSE);
    IoFreeIrp(irp);
    IoFreeIrp(irp);
    expect_bugcheck(&r, 0xC2, 0x7);
    /* Above DISPATCH_LEVEL: 0xC4 / 0xE5. */
    rig_up(&r);
    KIRQL old;
    KeRaiseIrql(HIGH_LEVEL, &old);
    assert_null(IoAllocateIrp(1, FALSE));
    expect_bugcheck(&r, 0xC4, 0xE5);
}

/* IRP-3, IRP-7, IRP-10: the dispatch routine of the device's driver gets the IRP with the
 * location IoCallDriver made current, naming the device; completing it copies IoStatus to
 * UserIosb and sets UserEvent; the location is cleared but for MajorFunction and DeviceObject;
 * a completed IRP's CurrentLocation is StackCount + 2. */
static void test_dispatch_and_completion(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    low.info = 42;
    PIRP irp = host_irp(low.device, IRP_MJ_READ, 42);
    IO_STATUS_BLOCK iosb = {{STATUS_PENDING}, 0};
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp->UserIosb = &iosb;
    irp->UserEvent = &done;
    assert_int_equal(IoCallDriver(low.device, irp), STATUS_SUCCESS);
    assert_int_equal(evcount, 1);
    ev *e = &evlog[0];
    assert_string_equal(e->what, "low");
    assert_ptr_equal(e->device, low.device);
    assert_ptr_equal(e->sp, location(irp, 0));
    assert_int_equal(e->location, 1);
    assert_int_equal(e->major, IRP_MJ_READ);
    assert_int_equal(e->length, 42);
    assert_int_equal(e->irql, PASSIVE_LEVEL);
    assert_int_equal(iosb.Status, STATUS_SUCCESS);
    assert_int_equal(iosb.Information, 42);
    assert_int_equal(KeReadStateEvent(&done), 1);
    assert_int_equal(irp->CurrentLocation, irp->StackCount + 2);
    assert_int_equal(location(irp, 0)->MajorFunction, IRP_MJ_READ);
    assert_ptr_equal(location(irp, 0)->DeviceObject, low.device);
    assert_int_equal(location(irp, 0)->Parameters.Read.Length, 0);
    IoFreeIrp(irp);
    rig_down(&r);
}

/* IRP-4: a major function the driver has no routine for is completed with
 * STATUS_INVALID_DEVICE_REQUEST, as the I/O manager's default routine does. */
static void test_default_dispatch(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    PIRP irp = host_irp(low.device, IRP_MJ_CREATE, 0);
    IO_STATUS_BLOCK iosb = {{STATUS_PENDING}, 7};
    irp->UserIosb = &iosb;
    assert_int_equal(IoCallDriver(low.device, irp), STATUS_INVALID_DEVICE_REQUEST);
    assert_int_equal(evcount, 0);
    assert_int_equal(iosb.Status, STATUS_INVALID_DEVICE_REQUEST);
    assert_int_equal(iosb.Information, 0);
    IoFreeIrp(irp);
    rig_down(&r);
}

/* IRP-5: IoSkipCurrentIrpStackLocation hands the lower driver the upper driver's own location,
 * which IoCallDriver points at the lower device; the location below stays unused. */
static void test_skip_location(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    up.mode = UP_SKIP;
    PIRP irp = host_irp(up.device, IRP_MJ_READ, 5);
    assert_int_equal(irp->StackCount, 2);
    assert_int_equal(IoCallDriver(up.device, irp), STATUS_SUCCESS);
    assert_int_equal(evcount, 2);
    assert_string_equal(evlog[0].what, "up");
    assert_ptr_equal(evlog[0].sp, location(irp, 1));
    assert_int_equal(evlog[0].location, 2);
    assert_string_equal(evlog[1].what, "low");
    assert_ptr_equal(evlog[1].sp, location(irp, 1));
    assert_int_equal(evlog[1].location, 2);
    assert_ptr_equal(evlog[1].device, low.device);
    assert_int_equal(evlog[1].length, 5);
    assert_null(location(irp, 0)->DeviceObject);
    IoFreeIrp(irp);
    rig_down(&r);
}

/* IRP-5, IRP-7: IoCopyCurrentIrpStackLocationToNext gives the lower driver a copy of the
 * parameters; completion routines run lowest first: the upper driver's with its own device, the
 * originator's (the host, with no location of its own) with none; each finds the location below
 * it cleared. */
static void test_copy_and_completion_order(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    up.mode = UP_COPY;
    up.set_routine = true;
    up.invoke = SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL;
    up.routine_result = STATUS_SUCCESS;
    low.info = 7;
    host_result = STATUS_SUCCESS;
    PIRP irp = host_irp(up.device, IRP_MJ_READ, 42);
    IoSetCompletionRoutine(irp, host_completion, NULL, TRUE, TRUE, TRUE);
    assert_int_equal(location(irp, 1)->Control,
                     SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL);
    assert_int_equal(IoCallDriver(up.device, irp), STATUS_SUCCESS);
    assert_int_equal(evcount, 4);
    assert_string_equal(evlog[0].what, "up");
    assert_string_equal(evlog[1].what, "low");
    assert_ptr_equal(evlog[1].sp, location(irp, 0));
    assert_int_equal(evlog[1].length, 42); /* copied */
    assert_int_equal(evlog[1].control, SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR |
                                           SL_INVOKE_ON_CANCEL); /* the upper driver's routine */
    assert_string_equal(evlog[2].what, "up_cr");
    assert_ptr_equal(evlog[2].device, up.device);
    assert_int_equal(evlog[2].location, 2);
    assert_ptr_equal(evlog[2].sp, location(irp, 1));
    assert_int_equal(evlog[2].info, 7);
    assert_int_equal(evlog[2].lower_length, 0);
    assert_null(evlog[2].lower_routine);
    assert_false(evlog[2].pending_returned);
    assert_string_equal(evlog[3].what, "host_cr");
    assert_null(evlog[3].device);
    assert_int_equal(evlog[3].location, 3);
    assert_int_equal(evlog[3].lower_length, 0);
    IoFreeIrp(irp);
    rig_down(&r);
}

/* IRP-7: a completion routine runs only as its SL_INVOKE_* flags say for the final status:
 * success (NT_SUCCESS), error (anything else, warnings included) or a canceled IRP. */
static void test_invoke_flags(void **state)
{
    (void)state;
    static const struct {
        BOOLEAN on_success, on_error, on_cancel, cancel;
        NTSTATUS status;
        bool called;
    } cases[] = {
        {TRUE, FALSE, FALSE, FALSE, STATUS_SUCCESS, true},
        {TRUE, FALSE, FALSE, FALSE, STATUS_UNSUCCESSFUL, false},
        {FALSE, TRUE, FALSE, FALSE, STATUS_UNSUCCESSFUL, true},
        {FALSE, TRUE, FALSE, FALSE, STATUS_BUFFER_OVERFLOW, true},
        {FALSE, TRUE, FALSE, FALSE, STATUS_SUCCESS, false},
        {FALSE, FALSE, TRUE, FALSE, STATUS_CANCELLED, false},
        {FALSE, FALSE, TRUE, TRUE, STATUS_SUCCESS, true},
        {FALSE, FALSE, FALSE, FALSE, STATUS_SUCCESS, false},
    };
    for (size_t i = 0; i < RTL_NUMBER_OF(cases); i++) {
        rig r;
        rig_up(&r);
        low.status = cases[i].status;
        host_result = STATUS_SUCCESS;
        PIRP irp = host_irp(low.device, IRP_MJ_READ, 1);
        IO_STATUS_BLOCK iosb = {{STATUS_PENDING}, 0};
        irp->UserIosb = &iosb;
        irp->Cancel = cases[i].cancel;
        IoSetCompletionRoutine(irp, host_completion, NULL, cases[i].on_success, cases[i].on_error,
                               cases[i].on_cancel);
        assert_int_equal(IoCallDriver(low.device, irp), cases[i].status);
        assert_int_equal(log_find("host_cr") >= 0, cases[i].called);
        assert_int_equal(iosb.Status, cases[i].status); /* completed either way */
        IoFreeIrp(irp);
        rig_down(&r);
    }
}

/* IRP-8: STATUS_MORE_PROCESSING_REQUIRED stops completion where it is: the driver that
 * returned it owns the IRP again and completes it later, and only then do the routines above
 * and the final stage run. */
static void test_more_processing_required(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    /* The upper driver forwards and waits, then finishes the IRP itself. */
    up.mode = UP_SYNC;
    low.info = 7;
    host_result = STATUS_SUCCESS;
    PIRP irp = host_irp(up.device, IRP_MJ_READ, 1);
    IoSetCompletionRoutine(irp, host_completion, NULL, TRUE, TRUE, TRUE);
    assert_int_equal(IoCallDriver(up.device, irp), STATUS_SUCCESS);
    assert_int_equal(evcount, 5);
    assert_string_equal(evlog[0].what, "up");
    assert_string_equal(evlog[1].what, "low");
    assert_string_equal(evlog[2].what, "up_sync_cr");
    assert_ptr_equal(evlog[2].device, up.device);
    assert_string_equal(evlog[3].what, "up_after");
    assert_int_equal(evlog[3].location, 2); /* the upper driver's location is current again */
    assert_ptr_equal(evlog[3].sp, location(irp, 1));
    assert_string_equal(evlog[4].what, "host_cr");
    assert_int_equal(evlog[4].info, 107);
    IoFreeIrp(irp);

    /* The originator stops completion: no UserIosb, no UserEvent until it completes again. */
    evcount = 0;
    host_result = STATUS_MORE_PROCESSING_REQUIRED;
    irp = host_irp(low.device, IRP_MJ_READ, 1);
    IO_STATUS_BLOCK iosb = {{STATUS_PENDING}, 0};
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp->UserIosb = &iosb;
    irp->UserEvent = &done;
    IoSetCompletionRoutine(irp, host_completion, NULL, TRUE, TRUE, TRUE);
    assert_int_equal(IoCallDriver(low.device, irp), STATUS_SUCCESS);
    assert_int_equal(log_find("host_cr"), 1);
    assert_int_equal(iosb.Status, STATUS_PENDING);
    assert_int_equal(KeReadStateEvent(&done), 0);
    assert_int_equal(irp->CurrentLocation, irp->StackCount + 1);
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    assert_int_equal(iosb.Status, STATUS_SUCCESS);
    assert_int_equal(KeReadStateEvent(&done), 1);
    IoFreeIrp(irp);
    rig_down(&r);
}

/* IRP-9, IRP-10: the lower driver marks the IRP pending and returns STATUS_PENDING, which the
 * upper driver passes on; a system thread completes it later. Where no routine stands between,
 * the I/O manager carries SL_PENDING_RETURNED up; a routine sees PendingReturned and must carry
 * it on itself. The routines and the final stage run on the completing thread. */
static void run_pending(bool upper_routine, bool propagate, bool expect_host_pending)
{
    rig r;
    rig_up(&r);
    up.mode = UP_COPY;
    up.set_routine = upper_routine;
    up.invoke = SL_INVOKE_ON_SUCCESS;
    up.propagate_pending = propagate;
    up.routine_result = STATUS_SUCCESS;
    low.mode = LOW_PEND_THREAD;
    low.status = STATUS_SUCCESS;
    low.info = 3;
    host_result = STATUS_SUCCESS;
    PIRP irp = host_irp(up.device, IRP_MJ_READ, 3);
    IO_STATUS_BLOCK iosb = {{-1}, 0};
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp->UserIosb = &iosb;
    irp->UserEvent = &done;
    IoSetCompletionRoutine(irp, host_completion, NULL, TRUE, TRUE, TRUE);
    assert_int_equal(IoCallDriver(up.device, irp), STATUS_PENDING);
    assert_true(location(irp, 0)->Control & SL_PENDING_RETURNED);
    assert_int_equal(log_find("host_cr"), -1);
    assert_int_equal(KeReadStateEvent(&done), 0);
    assert_int_equal(pssim_machine_run(r.m, 0), STATUS_SUCCESS);
    int c = log_find("completer"), h = log_find("host_cr");
    assert_true(c >= 0 && h > c);
    assert_true(evlog[c].system_thread);
    assert_true(evlog[h].system_thread);
    assert_int_equal(evlog[h].pending_returned, expect_host_pending);
    if (upper_routine) {
        int u = log_find("up_cr");
        assert_true(u > c && u < h);
        assert_true(evlog[u].pending_returned);
    }
    assert_int_equal(iosb.Status, STATUS_SUCCESS);
    assert_int_equal(iosb.Information, 3);
    assert_int_equal(KeReadStateEvent(&done), 1);
    IoFreeIrp(irp);
    rig_down(&r);
}

static void test_pending_propagation(void **state)
{
    (void)state;
    run_pending(false, false, true); /* IRP-9: the I/O manager propagates */
    run_pending(true, true, true);   /* IRP-9: the upper routine propagates */
    run_pending(true, false, false); /* IRP-9: nobody does: the originator sees FALSE */
}

/* IRP-9, IRP-10: the host waits on UserEvent for a pending IRP; the wait runs the machine. */
static void test_wait_for_pending_irp(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    low.mode = LOW_PEND_THREAD;
    low.status = STATUS_END_OF_FILE;
    PIRP irp = host_irp(low.device, IRP_MJ_READ, 3);
    IO_STATUS_BLOCK iosb = {{-1}, 0};
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp->UserIosb = &iosb;
    irp->UserEvent = &done;
    assert_int_equal(IoCallDriver(low.device, irp), STATUS_PENDING);
    assert_int_equal(KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(iosb.Status, STATUS_END_OF_FILE);
    IoFreeIrp(irp);
    rig_down(&r);
}

/* IRP-12: IoCancelIrp sets Cancel and calls the cancel routine at DISPATCH_LEVEL with the cancel
 * spin lock held, CancelRoutine cleared and CancelIrql the IRQL to return to; the routine
 * releases the lock and completes the IRP; SL_INVOKE_ON_CANCEL routines run. Without a cancel
 * routine IoCancelIrp only sets Cancel and returns FALSE. */
static void test_cancel(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    low.mode = LOW_PEND_CANCELABLE;
    host_result = STATUS_SUCCESS;
    PIRP irp = host_irp(low.device, IRP_MJ_READ, 1);
    IO_STATUS_BLOCK iosb = {{-1}, 0};
    irp->UserIosb = &iosb;
    IoSetCompletionRoutine(irp, host_completion, NULL, FALSE, FALSE, TRUE);
    assert_int_equal(IoCallDriver(low.device, irp), STATUS_PENDING);
    assert_non_null(AS_PVOID(irp->CancelRoutine));
    assert_true(IoCancelIrp(irp));
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    int c = log_find("low_cancel");
    assert_true(c >= 0);
    assert_ptr_equal(evlog[c].device, low.device);
    assert_int_equal(evlog[c].irql, DISPATCH_LEVEL);
    assert_true(evlog[c].cancel);
    assert_null(evlog[c].cancel_routine);
    assert_int_equal(evlog[c].cancel_irql, PASSIVE_LEVEL);
    int h = log_find("host_cr");
    assert_true(h > c);
    assert_int_equal(evlog[h].status, STATUS_CANCELLED);
    assert_int_equal(iosb.Status, STATUS_CANCELLED);
    IoFreeIrp(irp);

    PIRP idle = IoAllocateIrp(1, FALSE);
    assert_false(IoCancelIrp(idle));
    assert_true(idle->Cancel);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    IoFreeIrp(idle);

    KIRQL old;
    IoAcquireCancelSpinLock(&old);
    assert_int_equal(old, PASSIVE_LEVEL);
    assert_int_equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
    IoReleaseCancelSpinLock(old);
    assert_int_equal(KeGetCurrentIrql(), PASSIVE_LEVEL);
    rig_down(&r);

    /* A cancel routine that returns holding the cancel spin lock: 0x11B. */
    rig_up(&r);
    low.mode = LOW_PEND_CANCELABLE;
    low.cancel_keeps_lock = true;
    irp = host_irp(low.device, IRP_MJ_READ, 1);
    assert_int_equal(IoCallDriver(low.device, irp), STATUS_PENDING);
    assert_true(IoCancelIrp(irp));
    pssim_bugcheck bc = expect_bugcheck(&r, 0x11B, (ULONG_PTR)irp);
    assert_int_equal(bc.parameters[1], (ULONG_PTR)AS_PVOID(low_cancel));
}

/* IRP-6: IoCallDriver with no stack location left stops with 0x35 naming the IRP. */
static void test_no_more_stack_locations(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    up.mode = UP_NO_LOCATION;
    PIRP irp = host_irp(low.device, IRP_MJ_READ, 1); /* one location: too few for the stack */
    IoCallDriver(up.device, irp);
    assert_int_equal(log_find("low"), -1);
    pssim_bugcheck bc = expect_bugcheck(&r, 0x35, (ULONG_PTR)irp);
    assert_non_null(strstr(bc.text, "IRP-6"));
}

/* IRP-11: completing a completed IRP is 0x44; completing with STATUS_PENDING is 0xC9 / 0x6,
 * with a cancel routine set 0xC9 / 0x7, above DISPATCH_LEVEL 0xC9 / 0xE. */
static void test_completion_misuse(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    up.mode = UP_COMPLETE_AFTER_SKIP;
    PIRP irp = host_irp(up.device, IRP_MJ_READ, 1);
    IoCallDriver(up.device, irp);
    expect_bugcheck(&r, 0x44, (ULONG_PTR)irp);

    rig_up(&r);
    low.status = STATUS_PENDING;
    irp = host_irp(low.device, IRP_MJ_READ, 1);
    IoCallDriver(low.device, irp);
    pssim_bugcheck bc = expect_bugcheck(&r, 0xC9, 0x6);
    assert_int_equal(bc.parameters[1], (ULONG)STATUS_PENDING);
    assert_int_equal(bc.parameters[2], (ULONG_PTR)irp);

    rig_up(&r);
    low.mode = LOW_COMPLETE_CANCELABLE;
    irp = host_irp(low.device, IRP_MJ_READ, 1);
    IoCallDriver(low.device, irp);
    bc = expect_bugcheck(&r, 0xC9, 0x7);
    assert_int_equal(bc.parameters[1], (ULONG_PTR)AS_PVOID(low_cancel));
    assert_int_equal(bc.parameters[2], (ULONG_PTR)irp);

    rig_up(&r);
    irp = IoAllocateIrp(1, FALSE);
    irp->IoStatus.Status = STATUS_SUCCESS;
    KIRQL old;
    KeRaiseIrql(HIGH_LEVEL, &old);
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    bc = expect_bugcheck(&r, 0xC9, 0xE);
    assert_int_equal(bc.parameters[1], HIGH_LEVEL);

    /* IRP-12: a cancel routine set on a completed IRP, then IoCancelIrp: 0x48. */
    rig_up(&r);
    irp = host_irp(low.device, IRP_MJ_READ, 1);
    IoCallDriver(low.device, irp);
    IoSetCancelRoutine(irp, low_cancel);
    IoCancelIrp(irp);
    bc = expect_bugcheck(&r, 0x48, (ULONG_PTR)irp);
    assert_int_equal(bc.parameters[1], (ULONG_PTR)AS_PVOID(low_cancel));
}

/* IRP-3: IoCallDriver above DISPATCH_LEVEL is 0xC9 / 0x10, to something that is not a device
 * 0xC9 / 0x4, and a dispatch routine that returns at another IRQL 0xC9 / 0x5. */
static void test_call_driver_misuse(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    PIRP irp = host_irp(low.device, IRP_MJ_READ, 1);
    KIRQL old;
    KeRaiseIrql(HIGH_LEVEL, &old);
    IoCallDriver(low.device, irp);
    pssim_bugcheck bc = expect_bugcheck(&r, 0xC9, 0x10);
    assert_int_equal(bc.parameters[1], HIGH_LEVEL);

    rig_up(&r);
    irp = host_irp(low.device, IRP_MJ_READ, 1);
    IoCallDriver((PDEVICE_OBJECT)r.low_drv, irp);
    bc = expect_bugcheck(&r, 0xC9, 0x4);
    assert_int_equal(bc.parameters[1], (ULONG_PTR)r.low_drv);

    rig_up(&r);
    low.mode = LOW_RETURN_RAISED;
    irp = host_irp(low.device, IRP_MJ_READ, 1);
    IoCallDriver(low.device, irp);
    bc = expect_bugcheck(&r, 0xC9, 0x5);
    assert_int_equal(bc.parameters[1], (ULONG_PTR)low.device);
    assert_int_equal(bc.parameters[2], PASSIVE_LEVEL);
    assert_int_equal(bc.parameters[3], DISPATCH_LEVEL);
}

/* IRP-3: a driver that unloads while an IRP it set a completion routine on is still pending
 * below it: completing the IRP calls into the unloaded image, 0xCE naming the routine. */
static void test_routine_of_unloaded_driver(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    up.mode = UP_COPY;
    up.set_routine = true;
    up.invoke = SL_INVOKE_ON_SUCCESS;
    low.mode = LOW_PEND;
    PIRP irp = host_irp(up.device, IRP_MJ_READ, 1);
    assert_int_equal(IoCallDriver(up.device, irp), STATUS_PENDING);
    assert_int_equal(pssim_driver_unload(r.m, r.up_drv), STATUS_SUCCESS); /* device deleted */
    assert_false(pssim_machine_bugcheck(r.m, NULL));
    irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(low.pending, IO_NO_INCREMENT);
    assert_int_equal(log_find("up_cr"), -1);
    pssim_bugcheck bc = expect_bugcheck(&r, 0xCE, (ULONG_PTR)AS_PVOID(up_completion));
    assert_non_null(strstr(bc.text, "irpup"));
}

/* IRP-8, IRP-10: a driver that sends an IRP of its own frees it from its completion routine,
 * which gets no device object (the driver has no location in that IRP) and returns
 * STATUS_MORE_PROCESSING_REQUIRED; letting such an IRP complete back to the I/O manager is
 * 0x2A. */
static void test_driver_allocated_irp(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    up.mode = UP_OWN_IRP;
    low.status = STATUS_SUCCESS;
    low.info = 11;
    PIRP irp = host_irp(up.device, IRP_MJ_READ, 11);
    IO_STATUS_BLOCK iosb = {{-1}, 0};
    irp->UserIosb = &iosb;
    assert_int_equal(IoCallDriver(up.device, irp), STATUS_PENDING);
    int o = log_find("up_own_cr");
    assert_true(o >= 0);
    assert_null(evlog[o].device);
    assert_int_equal(iosb.Status, STATUS_SUCCESS);
    assert_int_equal(iosb.Information, 11);
    assert_int_equal(pool_blocks(r.m, IRP_TAG), 1); /* the host's, the driver's is freed */
    IoFreeIrp(irp);
    rig_down(&r);

    rig_up(&r);
    up.mode = UP_OWN_IRP_NO_ROUTINE;
    irp = host_irp(up.device, IRP_MJ_READ, 11);
    IoCallDriver(up.device, irp);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(r.m, &bc));
    assert_int_equal(bc.code, 0x2A);
    assert_ptr_not_equal(bc.parameters[0], (ULONG_PTR)irp); /* the driver's own IRP */
    assert_non_null(strstr(bc.text, "irpup"));
    pssim_machine_destroy(r.m);
}

/* IRP-10: the library's own issuers get their completion after UserIosb and UserEvent, once,
 * and may free the IRP there; only IRPs from IoAllocateIrp can have one. */
static struct {
    int calls;
    pssim_machine *m;
    PIRP irp;
    void *context;
    NTSTATUS iosb_seen;
    IO_STATUS_BLOCK *iosb;
} issuer;

static void issuer_done(struct pssim_machine *m, PIRP irp, void *context)
{
    issuer.calls++;
    issuer.m = m;
    issuer.irp = irp;
    issuer.context = context;
    issuer.iosb_seen = issuer.iosb->Status;
    IoFreeIrp(irp);
}

static void test_issuer_completion(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    memset(&issuer, 0, sizeof(issuer));
    low.status = STATUS_END_OF_FILE;
    PIRP irp = host_irp(low.device, IRP_MJ_READ, 1);
    IO_STATUS_BLOCK iosb = {{-1}, 0};
    irp->UserIosb = &iosb;
    issuer.iosb = &iosb;
    assert_true(IopSetIrpIssuer(irp, issuer_done, &issuer));
    assert_int_equal(IoCallDriver(low.device, irp), STATUS_END_OF_FILE);
    assert_int_equal(issuer.calls, 1);
    assert_ptr_equal(issuer.m, r.m);
    assert_ptr_equal(issuer.irp, irp);
    assert_ptr_equal(issuer.context, &issuer);
    assert_int_equal(issuer.iosb_seen, STATUS_END_OF_FILE);

    USHORT size = IoSizeOfIrp(1);
    PIRP mine = ExAllocatePool2(POOL_FLAG_NON_PAGED, size, 'tseT');
    IoInitializeIrp(mine, size, 1);
    assert_false(IopSetIrpIssuer(mine, issuer_done, NULL));
    ExFreePoolWithTag(mine, 'tseT');
    rig_down(&r);
}

/* IRP-13: the requestor of a thread-less IRP is nobody; IoIsOperationSynchronous follows the
 * documented order; IoGetRelatedDeviceObject is the top of the file's device stack. */
static void test_queries(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    PIRP irp = IoAllocateIrp(2, FALSE);
    assert_int_equal(IoGetRequestorProcessId(irp), 0);
    assert_null(IoGetRequestorProcess(irp));
    irp->Tail.Overlay.Thread = PsGetCurrentThread();
    assert_int_equal(IoGetRequestorProcessId(irp), HandleToULong(PsGetCurrentProcessId()));
    assert_ptr_equal(IoGetRequestorProcess(irp), PsGetCurrentProcess());
    irp->Tail.Overlay.Thread = NULL;

    IoSetNextIrpStackLocation(irp); /* a location of our own to describe the request */
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
    assert_ptr_equal(sp, location(irp, 1));
    sp->MajorFunction = IRP_MJ_READ;
    assert_false(IoIsOperationSynchronous(irp));
    irp->Flags = IRP_SYNCHRONOUS_API;
    assert_true(IoIsOperationSynchronous(irp));
    irp->Flags = IRP_SYNCHRONOUS_API | IRP_PAGING_IO; /* asynchronous paging I/O wins */
    assert_false(IoIsOperationSynchronous(irp));
    irp->Flags = IRP_PAGING_IO | IRP_SYNCHRONOUS_PAGING_IO;
    assert_true(IoIsOperationSynchronous(irp));
    irp->Flags = 0;
    FILE_OBJECT fo;
    memset(&fo, 0, sizeof(fo));
    fo.Flags = FO_SYNCHRONOUS_IO;
    sp->FileObject = &fo;
    assert_true(IoIsOperationSynchronous(irp));
    fo.Flags = 0;
    assert_false(IoIsOperationSynchronous(irp));
    sp->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    sp->Parameters.DeviceIoControl.IoControlCode =
        CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS);
    assert_true(IoIsOperationSynchronous(irp));
    sp->Parameters.DeviceIoControl.IoControlCode =
        CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_NEITHER, FILE_ANY_ACCESS);
    assert_false(IoIsOperationSynchronous(irp));
    IoFreeIrp(irp);

    fo.DeviceObject = low.device;
    assert_ptr_equal(IoGetRelatedDeviceObject(&fo), low.device);
    low.device->AttachedDevice = up.device;
    assert_ptr_equal(IoGetRelatedDeviceObject(&fo), up.device);
    low.device->AttachedDevice = NULL;
    rig_down(&r);
}

/* IRP-14..17: the fields IoAllocateMdl fills in, the IRP's MDL chain, nonpaged-pool MDLs,
 * locked MDLs and their system address (the buffer itself, as pssim has one address space). */
static void test_mdl(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    char *buf = ExAllocatePool2(POOL_FLAG_NON_PAGED, 4 * PAGE_SIZE, 'tseT');
    assert_non_null(buf);
    char *page = (char *)ROUND_TO_PAGES((ULONG_PTR)buf);
    char *va = page + 0x123;
    assert_int_equal(BYTE_OFFSET(va), 0x123);
    assert_ptr_equal(PAGE_ALIGN(va), page);
    assert_int_equal(ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, 0x2000), 3);

    /* IRP-14 */
    PMDL mdl = IoAllocateMdl(va, 0x2000, FALSE, FALSE, NULL);
    assert_non_null(mdl);
    assert_null(mdl->Next);
    assert_ptr_equal(mdl->StartVa, page);
    assert_int_equal(mdl->ByteOffset, 0x123);
    assert_int_equal(mdl->ByteCount, 0x2000);
    assert_int_equal(MmGetMdlByteOffset(mdl), 0x123);
    assert_int_equal(MmGetMdlByteCount(mdl), 0x2000);
    assert_ptr_equal(MmGetMdlVirtualAddress(mdl), va);
    assert_int_equal(mdl->Size, sizeof(MDL) + 3 * sizeof(PFN_NUMBER));
    assert_int_equal(MmSizeOfMdl(va, 0x2000), sizeof(MDL) + 3 * sizeof(PFN_NUMBER));
    assert_int_equal(mdl->MdlFlags, 0);
    assert_null(mdl->Process);
    assert_null(mdl->MappedSystemVa);
    assert_int_equal(pool_blocks(r.m, MDL_TAG), 1);

    /* IRP-15 */
    MmBuildMdlForNonPagedPool(mdl);
    assert_int_equal(mdl->MdlFlags, MDL_SOURCE_IS_NONPAGED_POOL);
    assert_ptr_equal(mdl->MappedSystemVa, va);
    assert_ptr_equal(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority | MdlMappingNoExecute),
                     va);
    assert_false(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    assert_int_equal(MmGetMdlPfnArray(mdl)[0], (ULONG_PTR)page >> PAGE_SHIFT);
    assert_int_equal(MmGetMdlPfnArray(mdl)[2], ((ULONG_PTR)page >> PAGE_SHIFT) + 2);
    IoFreeMdl(mdl);
    assert_int_equal(pool_blocks(r.m, MDL_TAG), 0);

    /* IRP-16, IRP-17 */
    mdl = IoAllocateMdl(va, 0x10, FALSE, FALSE, NULL);
    MmProbeAndLockPages(mdl, KernelMode, IoWriteAccess);
    assert_int_equal(mdl->MdlFlags, MDL_PAGES_LOCKED | MDL_WRITE_OPERATION);
    assert_null(mdl->Process);
    char *sys = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
    assert_ptr_equal(sys, va);
    assert_true(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    assert_ptr_equal(mdl->MappedSystemVa, va);
    sys[0] = 'x';
    assert_int_equal(va[0], 'x');
    assert_ptr_equal(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority), va);
    MmUnlockPages(mdl);
    assert_int_equal(mdl->MdlFlags, 0);
    assert_null(mdl->MappedSystemVa);
    MmProbeAndLockPages(mdl, UserMode, IoReadAccess);
    assert_int_equal(mdl->MdlFlags, MDL_PAGES_LOCKED);
    assert_ptr_equal(mdl->Process, PsGetCurrentProcess());
    assert_ptr_equal(
        MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority), va);
    assert_false(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    sys = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, HighPagePriority);
    assert_true(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    MmUnmapLockedPages(sys, mdl);
    assert_false(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    assert_null(mdl->MappedSystemVa);
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);

    /* IRP-14: the IRP's chain; IoFreeIrp leaves the MDLs to their owner. */
    PIRP irp = IoAllocateIrp(1, FALSE);
    PMDL m1 = IoAllocateMdl(va, 16, FALSE, FALSE, irp);
    assert_ptr_equal(irp->MdlAddress, m1);
    PMDL m2 = IoAllocateMdl(va + 16, 32, TRUE, FALSE, irp);
    PMDL m3 = IoAllocateMdl(va + 48, 64, TRUE, FALSE, irp);
    assert_ptr_equal(irp->MdlAddress, m1);
    assert_ptr_equal(m1->Next, m2);
    assert_ptr_equal(m2->Next, m3);
    assert_null(m3->Next);
    IoFreeIrp(irp);
    assert_int_equal(pool_blocks(r.m, MDL_TAG), 3);
    IoFreeMdl(m1);
    IoFreeMdl(m2);
    IoFreeMdl(m3);

    /* Longer than 4 GB - PAGE_SIZE: no MDL. */
    assert_null(IoAllocateMdl(va, 0xFFFFF001UL, FALSE, FALSE, NULL));
    ExFreePoolWithTag(buf, 'tseT');
    rig_down(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_and_control_codes),
        cmocka_unit_test(test_allocate_and_free),
        cmocka_unit_test(test_dispatch_and_completion),
        cmocka_unit_test(test_default_dispatch),
        cmocka_unit_test(test_skip_location),
        cmocka_unit_test(test_copy_and_completion_order),
        cmocka_unit_test(test_invoke_flags),
        cmocka_unit_test(test_more_processing_required),
        cmocka_unit_test(test_pending_propagation),
        cmocka_unit_test(test_wait_for_pending_irp),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_no_more_stack_locations),
        cmocka_unit_test(test_completion_misuse),
        cmocka_unit_test(test_call_driver_misuse),
        cmocka_unit_test(test_routine_of_unloaded_driver),
        cmocka_unit_test(test_driver_allocated_irp),
        cmocka_unit_test(test_issuer_completion),
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_mdl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
