/* test_client.c: the user-mode client of a device (docs/io.md IO-CLIENT-1..7, IO-LINK-1..3):
 * pssim_device_open / read / write / ioctl / close against a small echo driver with a buffered,
 * a direct and a neither device. */
#include "support.h"

REC_DEFINE_STORAGE;

#define IOCTL_REVERSE(method)                                                                      \
    CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + (method), method, FILE_ANY_ACCESS)
#define IOCTL_PEND CTL_CODE(FILE_DEVICE_UNKNOWN, 0x810, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_PEND_WORK CTL_CODE(FILE_DEVICE_UNKNOWN, 0x811, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct echo_ext {
    char data[64];
    ULONG len;
} echo_ext;

static struct {
    int creates, cleanups, closes;
    HANDLE create_pid, read_pid;
    KPROCESSOR_MODE requestor_mode, previous_mode;
    KIRQL irql;
    WCHAR file_name[16];
    PIRP pended;
    int cancels;
    NTSTATUS pended_final;
} seen;

static PIO_WORKITEM work_item;

static NTSTATUS complete(PIRP irp, NTSTATUS status, ULONG_PTR info)
{
    irp->IoStatus.Status = status;
    irp->IoStatus.Information = info;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    return status;
}

static NTSTATUS on_create(PDEVICE_OBJECT d, PIRP irp)
{
    (void)d;
    seen.creates++;
    seen.create_pid = PsGetCurrentProcessId();
    seen.requestor_mode = irp->RequestorMode;
    seen.previous_mode = ExGetPreviousMode();
    seen.irql = KeGetCurrentIrql();
    PFILE_OBJECT fo = IoGetCurrentIrpStackLocation(irp)->FileObject;
    memset(seen.file_name, 0, sizeof(seen.file_name));
    for (USHORT i = 0; i < fo->FileName.Length / sizeof(WCHAR) && i < 15; i++)
        seen.file_name[i] = fo->FileName.Buffer[i];
    return complete(irp, STATUS_SUCCESS, FILE_OPENED);
}

static NTSTATUS on_cleanup(PDEVICE_OBJECT d, PIRP irp)
{
    (void)d;
    seen.cleanups++;
    return complete(irp, STATUS_SUCCESS, 0);
}

static NTSTATUS on_close(PDEVICE_OBJECT d, PIRP irp)
{
    (void)d;
    seen.closes++;
    return complete(irp, STATUS_SUCCESS, 0);
}

/* The buffer of a read or write, by the device's I/O method. */
static void *rw_buffer(PDEVICE_OBJECT d, PIRP irp)
{
    if (d->Flags & DO_BUFFERED_IO)
        return irp->AssociatedIrp.SystemBuffer;
    if (d->Flags & DO_DIRECT_IO)
        return irp->MdlAddress ? MmGetSystemAddressForMdlSafe(irp->MdlAddress, NormalPagePriority)
                               : NULL;
    return irp->UserBuffer;
}

static NTSTATUS on_read(PDEVICE_OBJECT d, PIRP irp)
{
    echo_ext *x = d->DeviceExtension;
    seen.read_pid = PsGetCurrentProcessId();
    ULONG len = IoGetCurrentIrpStackLocation(irp)->Parameters.Read.Length;
    ULONG n = len < x->len ? len : x->len;
    char *buf = rw_buffer(d, irp);
    if (n)
        memcpy(buf, x->data, n);
    return complete(irp, STATUS_SUCCESS, n);
}

static NTSTATUS on_write(PDEVICE_OBJECT d, PIRP irp)
{
    echo_ext *x = d->DeviceExtension;
    ULONG len = IoGetCurrentIrpStackLocation(irp)->Parameters.Write.Length;
    if (len > sizeof(x->data))
        return complete(irp, STATUS_BUFFER_OVERFLOW, 0);
    if (len)
        memcpy(x->data, rw_buffer(d, irp), len);
    x->len = len;
    return complete(irp, STATUS_SUCCESS, len);
}

static VOID cancel_pended(PDEVICE_OBJECT d, PIRP irp)
{
    (void)d;
    IoReleaseCancelSpinLock(irp->CancelIrql);
    seen.cancels++;
    seen.pended = NULL;
    complete(irp, STATUS_CANCELLED, 0);
}

static VOID complete_from_work(PDEVICE_OBJECT d, PVOID context)
{
    (void)d;
    PIRP irp = context;
    memcpy(irp->AssociatedIrp.SystemBuffer, "late", 4);
    complete(irp, STATUS_SUCCESS, 4);
}

static NTSTATUS on_ioctl(PDEVICE_OBJECT d, PIRP irp)
{
    PIO_STACK_LOCATION s = IoGetCurrentIrpStackLocation(irp);
    ULONG code = s->Parameters.DeviceIoControl.IoControlCode;
    ULONG in_len = s->Parameters.DeviceIoControl.InputBufferLength;
    ULONG out_len = s->Parameters.DeviceIoControl.OutputBufferLength;
    if (code == IOCTL_PEND) {
        IoMarkIrpPending(irp);
        seen.pended = irp;
        IoSetCancelRoutine(irp, cancel_pended);
        return STATUS_PENDING;
    }
    if (code == IOCTL_PEND_WORK) {
        IoMarkIrpPending(irp);
        IoQueueWorkItem(work_item, complete_from_work, DelayedWorkQueue, irp);
        return STATUS_PENDING;
    }
    /* Reverse the input into the output, reading and writing where the method puts them. */
    const char *in;
    char *out;
    switch (METHOD_FROM_CTL_CODE(code)) {
    case METHOD_BUFFERED:
        in = out = irp->AssociatedIrp.SystemBuffer;
        break;
    case METHOD_IN_DIRECT:
    case METHOD_OUT_DIRECT:
        in = irp->AssociatedIrp.SystemBuffer;
        out = irp->MdlAddress ? MmGetSystemAddressForMdlSafe(irp->MdlAddress, NormalPagePriority)
                              : NULL;
        break;
    default:
        in = s->Parameters.DeviceIoControl.Type3InputBuffer;
        out = irp->UserBuffer;
        break;
    }
    if (out_len < in_len)
        return complete(irp, STATUS_BUFFER_TOO_SMALL, 0);
    char tmp[64];
    if (in_len > sizeof(tmp))
        return complete(irp, STATUS_INVALID_PARAMETER, 0);
    for (ULONG i = 0; i < in_len; i++)
        tmp[i] = in[in_len - 1 - i];
    memcpy(out, tmp, in_len);
    (void)d;
    return complete(irp, STATUS_SUCCESS, in_len);
}

static VOID echo_unload(PDRIVER_OBJECT driver)
{
    UNICODE_STRING link;
    RtlInitUnicodeString(&link, L"\\??\\echobuf");
    IoDeleteSymbolicLink(&link);
    if (work_item)
        IoFreeWorkItem(work_item);
    work_item = NULL;
    while (driver->DeviceObject)
        IoDeleteDevice(driver->DeviceObject);
}

static NTSTATUS make_device(PDRIVER_OBJECT driver, const WCHAR *name, ULONG flags, BOOLEAN excl,
                            PDEVICE_OBJECT *out)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, name);
    NTSTATUS st = IoCreateDevice(driver, sizeof(echo_ext), &u, FILE_DEVICE_UNKNOWN,
                                 FILE_DEVICE_SECURE_OPEN, excl, out);
    if (!NT_SUCCESS(st))
        return st;
    (*out)->Flags |= flags;
    return STATUS_SUCCESS;
}

static NTSTATUS echo_entry(PDRIVER_OBJECT driver, PUNICODE_STRING reg)
{
    (void)reg;
    driver->DriverUnload = echo_unload;
    driver->MajorFunction[IRP_MJ_CREATE] = on_create;
    driver->MajorFunction[IRP_MJ_CLEANUP] = on_cleanup;
    driver->MajorFunction[IRP_MJ_CLOSE] = on_close;
    driver->MajorFunction[IRP_MJ_READ] = on_read;
    driver->MajorFunction[IRP_MJ_WRITE] = on_write;
    driver->MajorFunction[IRP_MJ_DEVICE_CONTROL] = on_ioctl;
    PDEVICE_OBJECT d;
    NTSTATUS st = make_device(driver, L"\\Device\\EchoBuffered", DO_BUFFERED_IO, FALSE, &d);
    if (NT_SUCCESS(st)) {
        work_item = IoAllocateWorkItem(d);
        st = make_device(driver, L"\\Device\\EchoDirect", DO_DIRECT_IO, FALSE, &d);
    }
    if (NT_SUCCESS(st))
        st = make_device(driver, L"\\Device\\EchoNeither", 0, FALSE, &d);
    if (NT_SUCCESS(st))
        st = make_device(driver, L"\\Device\\EchoExclusive", DO_BUFFERED_IO, TRUE, &d);
    UNICODE_STRING link, target;
    RtlInitUnicodeString(&link, L"\\??\\echobuf");
    RtlInitUnicodeString(&target, L"\\Device\\EchoBuffered");
    if (NT_SUCCESS(st))
        st = IoCreateSymbolicLink(&link, &target);
    return st;
}

static pssim_machine *machine_with_echo(PDRIVER_OBJECT *driver)
{
    memset(&seen, 0, sizeof(seen));
    pssim_machine *m = new_timed_machine(1, test_default_backend());
    assert_int_equal(pssim_driver_load(m, echo_entry, "echo", 0, driver), STATUS_SUCCESS);
    return m;
}

static void finish(pssim_machine *m, PDRIVER_OBJECT driver)
{
    assert_int_equal(pssim_driver_unload(m, driver), STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(m, NULL));
    uint64_t bytes = 1, blocks = 1;
    assert_int_equal(pssim_pool_usage(m, 0, &bytes, &blocks), STATUS_SUCCESS);
    assert_int_equal(blocks, 0); /* every IRP, buffer and MDL was released */
    pssim_machine_destroy(m);
}

/* IO-CLIENT-1/2/6, IO-LINK-3: open through a link from the host, CREATE on the host thread with
 * RequestorMode UserMode at PASSIVE_LEVEL and the rest of the name as the file name; close sends
 * CLEANUP then CLOSE. */
static void test_open_close(void **state)
{
    (void)state;
    PDRIVER_OBJECT driver;
    pssim_machine *m = machine_with_echo(&driver);
    pssim_device_file *f = NULL;
    assert_int_equal(pssim_device_open(m, NULL, "\\??\\echobuf\\sub", &f), STATUS_SUCCESS);
    assert_non_null(f);
    assert_int_equal(seen.creates, 1);
    assert_ptr_equal(seen.create_pid, pssim_host_pid(m));
    assert_int_equal(seen.requestor_mode, UserMode);
    assert_int_equal(seen.previous_mode, UserMode);
    assert_int_equal(seen.irql, PASSIVE_LEVEL);
    assert_int_equal(seen.file_name[0], '\\');
    assert_int_equal(seen.file_name[1], 's');
    assert_int_equal(seen.file_name[3], 'b');
    assert_int_equal(seen.file_name[4], 0);
    assert_int_equal(pssim_device_close(f), STATUS_SUCCESS);
    assert_int_equal(seen.cleanups, 1);
    assert_int_equal(seen.closes, 1);
    /* The same device by its \Device name, by \\.\ and by \DosDevices. */
    const char *names[] = {"\\Device\\EchoBuffered", "\\\\.\\echobuf", "\\DosDevices\\ECHOBUF"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pssim_device_open(m, NULL, names[i], &f), STATUS_SUCCESS);
        assert_int_equal(seen.file_name[0], 0);
        assert_int_equal(pssim_device_close(f), STATUS_SUCCESS);
    }
    assert_int_equal(pssim_device_close(NULL), STATUS_SUCCESS);
    finish(m, driver);
}

/* IO-CLIENT-1: a requestor process's calls run on its oldest live thread. */
static void test_requestor_process(void **state)
{
    (void)state;
    PDRIVER_OBJECT driver;
    pssim_machine *m = machine_with_echo(&driver);
    pssim_process_params pp;
    pssim_process_params_init(&pp);
    pp.image_path = "\\??\\C:\\client.exe";
    HANDLE pid = NULL;
    assert_int_equal(pssim_process_create(m, &pp, &pid, NULL), STATUS_SUCCESS);
    pssim_device_file *f = NULL;
    assert_int_equal(pssim_device_open(m, pid, "\\??\\echobuf", &f), STATUS_SUCCESS);
    assert_ptr_equal(seen.create_pid, pid);
    char buf[8];
    assert_int_equal(pssim_device_read(f, buf, sizeof(buf), NULL), STATUS_SUCCESS);
    assert_ptr_equal(seen.read_pid, pid);
    assert_int_equal(pssim_device_close(f), STATUS_SUCCESS);
    /* A process without a live thread cannot ask for anything. */
    pp.flags = PSSIM_PROCESS_NO_INITIAL_THREAD;
    HANDLE empty = NULL;
    assert_int_equal(pssim_process_create(m, &pp, &empty, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_device_open(m, empty, "\\??\\echobuf", &f), STATUS_INVALID_PARAMETER);
    assert_null(f);
    assert_int_equal(pssim_device_open(m, (HANDLE)(ULONG_PTR)0x7FF0, "\\??\\echobuf", &f),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_process_terminate(m, pid, STATUS_SUCCESS), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(m, empty, STATUS_SUCCESS), STATUS_SUCCESS);
    finish(m, driver);
}

/* IO-CLIENT-3/4: write then read on each I/O method, the data and the byte counts. */
static void test_read_write_each_method(void **state)
{
    (void)state;
    PDRIVER_OBJECT driver;
    pssim_machine *m = machine_with_echo(&driver);
    const char *names[] = {"\\Device\\EchoBuffered", "\\Device\\EchoDirect",
                           "\\Device\\EchoNeither"};
    for (int i = 0; i < 3; i++) {
        pssim_device_file *f = NULL;
        assert_int_equal(pssim_device_open(m, NULL, names[i], &f), STATUS_SUCCESS);
        uint64_t n = 99;
        assert_int_equal(pssim_device_write(f, "hello pssim", 11, &n), STATUS_SUCCESS);
        assert_int_equal(n, 11);
        char buf[32];
        memset(buf, 0, sizeof(buf));
        assert_int_equal(pssim_device_read(f, buf, sizeof(buf), &n), STATUS_SUCCESS);
        assert_int_equal(n, 11);
        assert_string_equal(buf, "hello pssim");
        /* A shorter buffer gets what fits. */
        memset(buf, 0, sizeof(buf));
        assert_int_equal(pssim_device_read(f, buf, 5, &n), STATUS_SUCCESS);
        assert_int_equal(n, 5);
        assert_string_equal(buf, "hello");
        /* A zero-length read is still a request. */
        assert_int_equal(pssim_device_read(f, buf, 0, &n), STATUS_SUCCESS);
        assert_int_equal(n, 0);
        /* The driver's error status and Information come back as they are. */
        char big[100] = {0};
        assert_int_equal(pssim_device_write(f, big, sizeof(big), &n), STATUS_BUFFER_OVERFLOW);
        assert_int_equal(n, 0);
        assert_int_equal(pssim_device_close(f), STATUS_SUCCESS);
    }
    finish(m, driver);
}

/* IO-CLIENT-4: each METHOD_* of a control code puts the buffers where the driver looks. */
static void test_ioctl_methods(void **state)
{
    (void)state;
    PDRIVER_OBJECT driver;
    pssim_machine *m = machine_with_echo(&driver);
    pssim_device_file *f = NULL;
    assert_int_equal(pssim_device_open(m, NULL, "\\??\\echobuf", &f), STATUS_SUCCESS);
    const ULONG methods[] = {METHOD_BUFFERED, METHOD_IN_DIRECT, METHOD_OUT_DIRECT, METHOD_NEITHER};
    for (int i = 0; i < 4; i++) {
        char out[16];
        memset(out, 0, sizeof(out));
        uint64_t n = 0;
        assert_int_equal(
            pssim_device_ioctl(f, IOCTL_REVERSE(methods[i]), "abcdef", 6, out, sizeof(out), &n),
            STATUS_SUCCESS);
        assert_int_equal(n, 6);
        assert_string_equal(out, "fedcba");
        /* An output too small is the driver's to refuse; nothing comes back. */
        memset(out, 0, sizeof(out));
        assert_int_equal(pssim_device_ioctl(f, IOCTL_REVERSE(methods[i]), "abcdef", 6, out, 3, &n),
                         STATUS_BUFFER_TOO_SMALL);
        assert_int_equal(n, 0);
        assert_int_equal(out[0], 0);
    }
    assert_int_equal(pssim_device_close(f), STATUS_SUCCESS);
    finish(m, driver);
}

/* IO-CLIENT-7: a request the driver pends is waited for while the machine runs (here a work
 * item completes it); one nothing can complete returns STATUS_POSSIBLE_DEADLOCK and is
 * cancelled when the handle closes, through the driver's cancel routine. */
static void test_pending_and_cancel_on_close(void **state)
{
    (void)state;
    PDRIVER_OBJECT driver;
    pssim_machine *m = machine_with_echo(&driver);
    pssim_device_file *f = NULL;
    assert_int_equal(pssim_device_open(m, NULL, "\\??\\echobuf", &f), STATUS_SUCCESS);
    char out[8];
    memset(out, 0, sizeof(out));
    uint64_t n = 0;
    assert_int_equal(pssim_device_ioctl(f, IOCTL_PEND_WORK, NULL, 0, out, sizeof(out), &n),
                     STATUS_SUCCESS);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "late", 4);

    static char kept[8]; /* must outlive the call: the IRP stays with the driver */
    assert_int_equal(pssim_device_ioctl(f, IOCTL_PEND, NULL, 0, kept, sizeof(kept), &n),
                     STATUS_POSSIBLE_DEADLOCK);
    assert_non_null(seen.pended);
    assert_int_equal(seen.cancels, 0);
    assert_int_equal(pssim_device_close(f), STATUS_SUCCESS);
    assert_int_equal(seen.cancels, 1);
    assert_int_equal(seen.cleanups, 1);
    assert_int_equal(seen.closes, 1);
    finish(m, driver);
}

/* IO-CLIENT-2/5: the statuses of bad requests. */
static void test_bad_requests(void **state)
{
    (void)state;
    PDRIVER_OBJECT driver;
    pssim_machine *m = machine_with_echo(&driver);
    pssim_device_file *f = NULL, *g = NULL;
    assert_int_equal(pssim_device_open(m, NULL, "\\Device\\Nothing", &f),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(pssim_device_open(m, NULL, "\\??\\nolink", &f), STATUS_OBJECT_NAME_NOT_FOUND);
    /* IO-DEV-5: a device created after DriverEntry is not ready until its driver says so. */
    PDEVICE_OBJECT starting = NULL;
    UNICODE_STRING sn;
    RtlInitUnicodeString(&sn, L"\\Device\\EchoStarting");
    assert_int_equal(
        IoCreateDevice(driver, sizeof(echo_ext), &sn, FILE_DEVICE_UNKNOWN, 0, FALSE, &starting),
        STATUS_SUCCESS);
    assert_int_equal(pssim_device_open(m, NULL, "\\Device\\EchoStarting", &f),
                     STATUS_NO_SUCH_DEVICE);
    starting->Flags &= ~(ULONG)DO_DEVICE_INITIALIZING;
    assert_int_equal(pssim_device_open(m, NULL, "\\Device\\EchoStarting", &f), STATUS_SUCCESS);
    assert_int_equal(pssim_device_close(f), STATUS_SUCCESS);
    assert_int_equal(pssim_device_open(NULL, NULL, "\\??\\echobuf", &f), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_device_open(m, NULL, NULL, &f), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_device_open(m, NULL, "\\??\\echobuf", NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_device_open(m, NULL, "\\Device\\EchoExclusive", &f), STATUS_SUCCESS);
    assert_int_equal(pssim_device_open(m, NULL, "\\Device\\EchoExclusive", &g),
                     STATUS_ACCESS_DENIED);
    assert_int_equal(pssim_device_close(f), STATUS_SUCCESS);
    assert_int_equal(pssim_device_open(m, NULL, "\\Device\\EchoExclusive", &g), STATUS_SUCCESS);
    assert_int_equal(pssim_device_close(g), STATUS_SUCCESS);

    assert_int_equal(pssim_device_open(m, NULL, "\\Device\\EchoBuffered", &f), STATUS_SUCCESS);
    uint64_t n = 7;
    assert_int_equal(pssim_device_read(f, NULL, 4, &n), STATUS_ACCESS_VIOLATION);
    assert_int_equal(n, 0);
    assert_int_equal(pssim_device_write(f, NULL, 4, NULL), STATUS_ACCESS_VIOLATION);
    char out[4];
    assert_int_equal(
        pssim_device_ioctl(f, IOCTL_REVERSE(METHOD_BUFFERED), NULL, 4, out, sizeof(out), NULL),
        STATUS_ACCESS_VIOLATION);
    assert_int_equal(
        pssim_device_ioctl(f, IOCTL_REVERSE(METHOD_OUT_DIRECT), "ab", 2, NULL, 4, NULL),
        STATUS_ACCESS_VIOLATION);
    assert_int_equal(pssim_device_read(NULL, out, 4, NULL), STATUS_INVALID_HANDLE);
    assert_int_equal(pssim_device_close(f), STATUS_SUCCESS);
    finish(m, driver);
}

/* IRP-4 through the client: a major function the driver has no routine for. */
static NTSTATUS minimal_create(PDEVICE_OBJECT d, PIRP irp)
{
    (void)d;
    return complete(irp, STATUS_SUCCESS, 0);
}

static VOID minimal_unload(PDRIVER_OBJECT driver)
{
    IoDeleteDevice(driver->DeviceObject);
}

static NTSTATUS minimal_entry(PDRIVER_OBJECT driver, PUNICODE_STRING reg)
{
    (void)reg;
    driver->DriverUnload = minimal_unload;
    driver->MajorFunction[IRP_MJ_CREATE] = minimal_create;
    PDEVICE_OBJECT d;
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, L"\\Device\\Minimal");
    NTSTATUS st = IoCreateDevice(driver, 0, &u, FILE_DEVICE_UNKNOWN, 0, FALSE, &d);
    if (NT_SUCCESS(st))
        d->Flags &= ~(ULONG)DO_DEVICE_INITIALIZING;
    return st;
}

static void test_unhandled_major(void **state)
{
    (void)state;
    pssim_machine *m = new_timed_machine(1, test_default_backend());
    PDRIVER_OBJECT driver = NULL;
    assert_int_equal(pssim_driver_load(m, minimal_entry, "minimal", 0, &driver), STATUS_SUCCESS);
    pssim_device_file *f = NULL;
    assert_int_equal(pssim_device_open(m, NULL, "\\Device\\Minimal", &f), STATUS_SUCCESS);
    char buf[4];
    assert_int_equal(pssim_device_read(f, buf, 4, NULL), STATUS_INVALID_DEVICE_REQUEST);
    assert_int_equal(pssim_device_ioctl(f, IOCTL_PEND, NULL, 0, NULL, 0, NULL),
                     STATUS_INVALID_DEVICE_REQUEST);
    assert_int_equal(pssim_device_close(f), STATUS_SUCCESS); /* whatever CLEANUP/CLOSE return */
    assert_int_equal(pssim_driver_unload(m, driver), STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);
}

/* IO-DEV-6, IRP-5: a filter attached on top of the echo device: the client's requests go to
 * the top of the stack, the filter passes them down with IoSkipCurrentIrpStackLocation +
 * IoCallDriver, and a completion routine it sets on reads sees the data coming back up. */
static struct {
    PDEVICE_OBJECT filter, lower;
    int passed, completions;
    char seen_on_the_way_up[8];
} flt;

static NTSTATUS filter_read_done(PDEVICE_OBJECT d, PIRP irp, PVOID context)
{
    (void)d;
    (void)context;
    flt.completions++;
    if (NT_SUCCESS(irp->IoStatus.Status) && irp->IoStatus.Information >= 4)
        memcpy(flt.seen_on_the_way_up, irp->AssociatedIrp.SystemBuffer, 4);
    if (irp->PendingReturned)
        IoMarkIrpPending(irp);
    return STATUS_CONTINUE_COMPLETION;
}

static NTSTATUS filter_pass(PDEVICE_OBJECT d, PIRP irp)
{
    (void)d;
    flt.passed++;
    if (IoGetCurrentIrpStackLocation(irp)->MajorFunction == IRP_MJ_READ) {
        IoCopyCurrentIrpStackLocationToNext(irp);
        IoSetCompletionRoutine(irp, filter_read_done, NULL, TRUE, TRUE, TRUE);
    } else {
        IoSkipCurrentIrpStackLocation(irp);
    }
    return IoCallDriver(flt.lower, irp);
}

static VOID filter_unload(PDRIVER_OBJECT driver)
{
    IoDetachDevice(flt.lower);
    IoDeleteDevice(driver->DeviceObject);
}

static NTSTATUS filter_entry(PDRIVER_OBJECT driver, PUNICODE_STRING reg)
{
    (void)reg;
    driver->DriverUnload = filter_unload;
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        driver->MajorFunction[i] = filter_pass;
    return IoCreateDevice(driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &flt.filter);
}

static PDEVICE_OBJECT echo_buffered; /* set by the test before loading the filter */

static NTSTATUS filter_attach_entry(PDRIVER_OBJECT driver, PUNICODE_STRING reg)
{
    NTSTATUS st = filter_entry(driver, reg);
    if (!NT_SUCCESS(st))
        return st;
    flt.filter->Flags |= DO_BUFFERED_IO;
    st = IoAttachDeviceToDeviceStackSafe(flt.filter, echo_buffered, &flt.lower);
    if (!NT_SUCCESS(st))
        IoDeleteDevice(flt.filter);
    return st;
}

static void test_filter_on_top(void **state)
{
    (void)state;
    PDRIVER_OBJECT driver;
    pssim_machine *m = machine_with_echo(&driver);
    memset(&flt, 0, sizeof(flt));
    for (PDEVICE_OBJECT d = driver->DeviceObject; d; d = d->NextDevice)
        if (d->Flags & DO_BUFFERED_IO && !(d->Flags & DO_EXCLUSIVE))
            echo_buffered = d;
    PDRIVER_OBJECT filter = NULL;
    assert_int_equal(pssim_driver_load(m, filter_attach_entry, "filter", 0, &filter),
                     STATUS_SUCCESS);
    assert_ptr_equal(flt.lower, echo_buffered);
    assert_ptr_equal(echo_buffered->AttachedDevice, flt.filter);
    assert_int_equal(flt.filter->StackSize, echo_buffered->StackSize + 1);
    assert_ptr_equal(IoGetAttachedDevice(echo_buffered), flt.filter);
    PDEVICE_OBJECT lower = IoGetLowerDeviceObject(flt.filter);
    assert_ptr_equal(lower, echo_buffered);
    ObDereferenceObject(lower);

    pssim_device_file *f = NULL;
    assert_int_equal(pssim_device_open(m, NULL, "\\??\\echobuf", &f), STATUS_SUCCESS);
    assert_int_equal(seen.creates, 1); /* passed down to the echo driver */
    uint64_t n = 0;
    assert_int_equal(pssim_device_write(f, "stack", 5, &n), STATUS_SUCCESS);
    char buf[8] = {0};
    assert_int_equal(pssim_device_read(f, buf, sizeof(buf), &n), STATUS_SUCCESS);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "stack", 5);
    assert_int_equal(flt.completions, 1);
    assert_memory_equal(flt.seen_on_the_way_up, "stac", 4);
    assert_int_equal(pssim_device_close(f), STATUS_SUCCESS);
    assert_int_equal(flt.passed, 5); /* create, write, read, cleanup, close */

    /* Detached, the stack ends at the echo device again. */
    assert_int_equal(pssim_driver_unload(m, filter), STATUS_SUCCESS);
    assert_null(echo_buffered->AttachedDevice);
    assert_int_equal(pssim_device_open(m, NULL, "\\??\\echobuf", &f), STATUS_SUCCESS);
    assert_int_equal(pssim_device_close(f), STATUS_SUCCESS);
    assert_int_equal(flt.passed, 5);
    finish(m, driver);
}

/* IO-LINK-1/2: link names live in \?? (also reached as \DosDevices and \GLOBAL??), compared
 * without case; a name in use collides; deleting a missing link fails. */
static NTSTATUS link_entry(PDRIVER_OBJECT driver, PUNICODE_STRING reg)
{
    (void)driver;
    (void)reg;
    UNICODE_STRING a, b, t, bad;
    RtlInitUnicodeString(&a, L"\\DosDevices\\LinkOne");
    RtlInitUnicodeString(&b, L"\\GLOBAL??\\linkone");
    RtlInitUnicodeString(&t, L"\\Device\\Whatever");
    RtlInitUnicodeString(&bad, L"\\Device\\NotADosName");
    if (IoCreateSymbolicLink(&a, &t) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL;
    if (IoCreateSymbolicLink(&b, &t) != STATUS_OBJECT_NAME_COLLISION)
        return STATUS_UNSUCCESSFUL;
    if (IoCreateSymbolicLink(&bad, &t) != STATUS_OBJECT_PATH_NOT_FOUND)
        return STATUS_UNSUCCESSFUL;
    if (IoDeleteSymbolicLink(&b) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL;
    if (IoDeleteSymbolicLink(&a) != STATUS_OBJECT_NAME_NOT_FOUND)
        return STATUS_UNSUCCESSFUL;
    return STATUS_SUCCESS;
}

static void test_symbolic_links(void **state)
{
    (void)state;
    pssim_machine *m = new_timed_machine(1, test_default_backend());
    assert_int_equal(pssim_driver_load(m, link_entry, "links", 0, NULL), STATUS_SUCCESS);
    pssim_machine_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_close),
        cmocka_unit_test(test_requestor_process),
        cmocka_unit_test(test_read_write_each_method),
        cmocka_unit_test(test_ioctl_methods),
        cmocka_unit_test(test_pending_and_cancel_on_close),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_unhandled_major),
        cmocka_unit_test(test_filter_on_top),
        cmocka_unit_test(test_symbolic_links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
