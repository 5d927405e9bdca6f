/* client.c: the user-mode side of a device (api-contract "Devices and handles"; docs/io.md
 * IO-CLIENT-1..8): pssim_device_open / read / write / ioctl / close build the IRPs that
 * CreateFile, ReadFile, WriteFile, DeviceIoControl and CloseHandle would, with RequestorMode
 * UserMode, on a thread of the requesting process, honouring the device's buffered / direct /
 * neither I/O and the METHOD_* of each control code. */
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "io/io.h"
#include "ke/ke.h"
#include "rtl/utf.h"

#define CLIENT_POOL_TAG 'fBoI' /* "IoBf": system buffers of buffered I/O */
#define CLIENT_NAME_UNITS 256

struct pssim_device_file {
    pssim_machine *m;
    PFILE_OBJECT file;
    PDEVICE_OBJECT device; /* the device opened (referenced through the file object) */
    HANDLE pid;            /* the requesting process */
    LIST_ENTRY abandoned;  /* requests the caller stopped waiting for (IO-CLIENT-7) */
};

/* One request in flight. */
typedef struct client_io {
    LIST_ENTRY link;
    PIRP irp;
    IO_STATUS_BLOCK iosb;
    KEVENT done;
    bool completed;
    bool abandoned;
    void *user_out; /* where buffered output is copied back */
    uint32_t out_len;
    void *system_buffer;
    PMDL mdl;
} client_io;

/* ---- the requesting thread (IO-CLIENT-1) ---- */

NTSTATUS IopPickRequestor(pssim_machine *m, HANDLE pid, PETHREAD *out, HANDLE *out_pid)
{
    PETHREAD cur = m->current_thread;
    if (KI_RUNNING_BODY(m)) {
        /* From a thread's body: the call is that thread's own I/O. */
        if (pid && pid != cur->process->pid)
            return STATUS_INVALID_PARAMETER;
        *out = cur;
        if (out_pid)
            *out_pid = cur->process->pid;
        return STATUS_SUCCESS;
    }
    if (!pid || pid == m->host_process->pid) {
        *out = m->host_thread;
        if (out_pid)
            *out_pid = m->host_process->pid;
        return STATUS_SUCCESS;
    }
    PEPROCESS p = PspLookupProcess(m, pid);
    if (!p)
        return STATUS_INVALID_PARAMETER;
    PETHREAD found = NULL;
    if (!p->is_system && !p->exited) {
        for (LIST_ENTRY *e = p->thread_list.Flink; e != &p->thread_list; e = e->Flink) {
            PETHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, process_link);
            if (t->inserted && !t->terminated) {
                found = t;
                break;
            }
        }
    }
    ObpDereference(m, p);
    if (!found)
        return STATUS_INVALID_PARAMETER;
    if (found->waiting)
        return STATUS_INVALID_DEVICE_STATE; /* its thread is blocked in a wait of its own */
    *out = found;
    if (out_pid)
        *out_pid = pid;
    return STATUS_SUCCESS;
}

/* ---- sending one IRP and waiting for it ---- */

static void release_buffers(client_io *io)
{
    if (io->mdl) {
        MmUnlockPages(io->mdl);
        IoFreeMdl(io->mdl);
        io->mdl = NULL;
    }
    if (io->system_buffer) {
        ExFreePoolWithTag(io->system_buffer, CLIENT_POOL_TAG);
        io->system_buffer = NULL;
    }
}

/* The I/O manager's part of completion (IRP-10), on the completing thread: the buffered output
 * goes back to the caller's buffer, the buffers and the IRP are released. */
static void on_complete(pssim_machine *m, PIRP irp, void *context)
{
    (void)m;
    client_io *io = context;
    if (io->abandoned) {
        RemoveEntryList(&io->link);
    } else if (io->user_out && io->system_buffer && !NT_ERROR(irp->IoStatus.Status)) {
        ULONG_PTR n = irp->IoStatus.Information;
        memcpy(io->user_out, io->system_buffer, n < io->out_len ? n : io->out_len);
    }
    release_buffers(io);
    io->irp->MdlAddress = NULL;
    IoFreeIrp(io->irp);
    io->irp = NULL;
    io->completed = true;
    if (io->abandoned)
        pssim__free(io);
}

typedef struct send_args {
    pssim_device_file *f;
    client_io *io;
    PDEVICE_OBJECT target;
    NTSTATUS wait_status;
} send_args;

static void send_on_requestor(void *arg)
{
    send_args *a = arg;
    pssim_machine *m = a->f->m;
    PETHREAD t = m->current_thread;
    KPROCESSOR_MODE saved_mode = t->previous_mode;
    t->previous_mode = UserMode; /* ExGetPreviousMode() in the dispatch routine */
    a->io->irp->Tail.Overlay.Thread = t;
    IoCallDriver(a->target, a->io->irp);
    if (!a->io->completed && !m->bugchecked)
        a->wait_status = KeWaitForSingleObject(&a->io->done, Executive, UserMode, FALSE, NULL);
    t->previous_mode = saved_mode;
}

static PDEVICE_OBJECT top_of_stack(PDEVICE_OBJECT d)
{
    while (d->AttachedDevice)
        d = d->AttachedDevice;
    return d;
}

/* Sends io->irp (its current location set up) from the requestor and waits for it: the status
 * the IRP completed with, or STATUS_POSSIBLE_DEADLOCK when nothing can complete it. */
static NTSTATUS send_and_wait(pssim_device_file *f, client_io *io, PDEVICE_OBJECT target,
                              PETHREAD requestor)
{
    pssim_machine *m = f->m;
    IopSetIrpIssuer(io->irp, on_complete, io);
    send_args a = {f, io, target, STATUS_SUCCESS};
    if (requestor == m->current_thread)
        send_on_requestor(&a);
    else
        PspRunOnThread(m, requestor, send_on_requestor, &a);
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!io->completed) {
        /* IO-CLIENT-7: nothing will complete it now; it stays the driver's, and close cancels
         * it. The caller's buffers must stay valid until then. */
        io->abandoned = true;
        io->user_out = NULL;
        InsertTailList(&f->abandoned, &io->link);
        return NT_SUCCESS(a.wait_status) ? STATUS_POSSIBLE_DEADLOCK : a.wait_status;
    }
    return io->iosb.Status;
}

static client_io *new_request(pssim_device_file *f, PDEVICE_OBJECT target, UCHAR major)
{
    client_io *io = pssim__alloc(sizeof(*io));
    if (!io)
        return NULL;
    io->irp = IoAllocateIrp(target->StackSize, FALSE);
    if (!io->irp) {
        pssim__free(io);
        return NULL;
    }
    KeInitializeEvent(&io->done, NotificationEvent, FALSE);
    PIRP irp = io->irp;
    irp->RequestorMode = UserMode;
    irp->UserIosb = &io->iosb;
    irp->UserEvent = &io->done;
    irp->Tail.Overlay.OriginalFileObject = f->file;
    irp->Flags |= IRP_SYNCHRONOUS_API;
    PIO_STACK_LOCATION s = IoGetNextIrpStackLocation(irp);
    s->MajorFunction = major;
    s->FileObject = f->file;
    return io;
}

static void free_request(client_io *io)
{
    if (io && !io->abandoned) {
        if (io->irp) { /* never sent */
            release_buffers(io);
            io->irp->MdlAddress = NULL;
            IoFreeIrp(io->irp);
        }
        pssim__free(io);
    }
}

/* ---- open ---- */

typedef struct open_args {
    HANDLE pid;
    const char *name;
    pssim_device_file **out;
} open_args;

static PFILE_OBJECT new_file_object(pssim_machine *m, PDEVICE_OBJECT d, const WCHAR *rest,
                                    size_t rest_units)
{
    size_t name_bytes = rest_units ? (rest_units + 1) * sizeof(WCHAR) : 0;
    PFILE_OBJECT fo = ObpCreateObject(m, &IopFileObjectType, sizeof(*fo) + name_bytes, NULL);
    if (!fo)
        return NULL;
    fo->Type = IO_TYPE_FILE;
    fo->Size = (CSHORT)sizeof(*fo);
    fo->DeviceObject = d;
    fo->Flags = FO_SYNCHRONOUS_IO; /* CreateFile without FILE_FLAG_OVERLAPPED */
    fo->ReadAccess = fo->WriteAccess = TRUE;
    fo->SharedRead = fo->SharedWrite = TRUE;
    KeInitializeEvent(&fo->Event, NotificationEvent, FALSE);
    KeInitializeEvent(&fo->Lock, SynchronizationEvent, FALSE);
    InitializeListHead(&fo->IrpList);
    if (rest_units) {
        WCHAR *buf = (WCHAR *)(fo + 1);
        memcpy(buf, rest, rest_units * sizeof(WCHAR));
        buf[rest_units] = 0;
        fo->FileName.Buffer = buf;
        fo->FileName.Length = (USHORT)(rest_units * sizeof(WCHAR));
        fo->FileName.MaximumLength = (USHORT)name_bytes;
    }
    return fo;
}

static NTSTATUS open_body(pssim_machine *m, void *arg)
{
    open_args *a = arg;
    PETHREAD requestor;
    HANDLE pid;
    NTSTATUS st = IopPickRequestor(m, a->pid, &requestor, &pid);
    if (!NT_SUCCESS(st))
        return st;
    /* The name as UTF-16 (WCHAR) units. */
    WCHAR name[CLIENT_NAME_UNITS], rest[CLIENT_NAME_UNITS];
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)a->name; *c; c++) {
        if (n + 1 >= CLIENT_NAME_UNITS || *c >= 0x80)
            return STATUS_OBJECT_NAME_INVALID; /* device names are ASCII in practice */
        name[n++] = (WCHAR)*c;
    }
    size_t rest_units = 0;
    PDEVICE_OBJECT d = IopResolveDeviceName(m, name, n, rest, CLIENT_NAME_UNITS, &rest_units);
    if (!d)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    pssim_driver *drv = IopDriverOfObject(m, d->DriverObject);
    if (!drv || drv->unload_ran || (d->Flags & DO_DEVICE_INITIALIZING))
        return STATUS_NO_SUCH_DEVICE; /* IO-CLIENT-2 */
    if ((d->Flags & DO_EXCLUSIVE) && d->ReferenceCount > 0)
        return STATUS_ACCESS_DENIED; /* IO-CLIENT-2: an exclusive device has one open handle */
    PDEVICE_OBJECT target = top_of_stack(d);

    pssim_device_file *f = pssim__alloc(sizeof(*f));
    if (!f)
        return STATUS_INSUFFICIENT_RESOURCES;
    f->m = m;
    f->device = d;
    f->pid = pid;
    InitializeListHead(&f->abandoned);
    f->file = new_file_object(m, d, rest, rest_units);
    if (!f->file) {
        pssim__free(f);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    ObpReference(d); /* the file object's reference to its device */
    client_io *io = new_request(f, target, IRP_MJ_CREATE);
    if (!io) {
        ObpDereference(m, d);
        ObpDereference(m, f->file);
        pssim__free(f);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    IO_SECURITY_CONTEXT sc;
    memset(&sc, 0, sizeof(sc));
    sc.DesiredAccess = GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE;
    PIO_STACK_LOCATION s = IoGetNextIrpStackLocation(io->irp);
    s->Parameters.Create.SecurityContext = &sc;
    s->Parameters.Create.Options =
        ((ULONG)FILE_OPEN << 24) | FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE;
    s->Parameters.Create.ShareAccess = FILE_SHARE_READ | FILE_SHARE_WRITE;
    io->irp->Flags |= IRP_CREATE_OPERATION;
    d->ReferenceCount++; /* counted while the create runs, as an open does */
    st = send_and_wait(f, io, target, requestor);
    bool abandoned = io->abandoned;
    free_request(io);
    if (!NT_SUCCESS(st) || abandoned) {
        if (!abandoned) {
            d->ReferenceCount--;
            ObpDereference(m, d);
            ObpDereference(m, f->file);
            pssim__free(f);
        } else {
            *a->out = f; /* the create never finished: the handle exists for close only */
        }
        return st;
    }
    f->file->Flags |= FO_FILE_OPEN;
    *a->out = f;
    return STATUS_SUCCESS;
}

NTSTATUS pssim_device_open(pssim_machine *m, HANDLE requestor_pid, const char *name,
                           pssim_device_file **out)
{
    if (out)
        *out = NULL;
    if (!m || !name || !out)
        return STATUS_INVALID_PARAMETER;
    open_args a = {requestor_pid, name, out};
    return pssim__control_call(m, open_body, &a);
}

/* ---- read, write, ioctl ---- */

typedef struct rw_args {
    pssim_device_file *f;
    UCHAR major;
    ULONG code; /* IRP_MJ_DEVICE_CONTROL */
    const void *in;
    uint32_t in_len;
    void *out;
    uint32_t out_len;
    uint64_t *transferred;
} rw_args;

/* A buffered request's system buffer, with `in` copied in (IO-CLIENT-4). */
static bool make_system_buffer(client_io *io, uint32_t size, const void *in, uint32_t in_len)
{
    if (size == 0)
        return true;
    io->system_buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, size, CLIENT_POOL_TAG);
    if (!io->system_buffer)
        return false;
    if (in && in_len)
        memcpy(io->system_buffer, in, in_len);
    io->irp->AssociatedIrp.SystemBuffer = io->system_buffer;
    io->irp->Flags |= IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
    return true;
}

/* A direct request's MDL over the caller's buffer, probed and locked (IO-CLIENT-4). */
static bool make_mdl(client_io *io, void *buf, uint32_t len, LOCK_OPERATION op)
{
    if (len == 0)
        return true;
    io->mdl = IoAllocateMdl(buf, len, FALSE, FALSE, io->irp);
    if (!io->mdl)
        return false;
    MmProbeAndLockPages(io->mdl, UserMode, op);
    return true;
}

static NTSTATUS rw_body(pssim_machine *m, void *arg)
{
    rw_args *a = arg;
    pssim_device_file *f = a->f;
    if (a->transferred)
        *a->transferred = 0;
    if (!(f->file->Flags & FO_FILE_OPEN))
        return STATUS_INVALID_HANDLE; /* its create never completed (IO-CLIENT-7) */
    PETHREAD requestor;
    HANDLE pid;
    NTSTATUS st = IopPickRequestor(m, f->pid, &requestor, &pid);
    if (!NT_SUCCESS(st))
        return st;
    PDEVICE_OBJECT target = top_of_stack(f->device);
    ULONG method = a->major == IRP_MJ_DEVICE_CONTROL ? METHOD_FROM_CTL_CODE(a->code) : 0;
    /* IO-CLIENT-5: what the I/O manager probes; METHOD_NEITHER passes its pointers unprobed. */
    bool probes = a->major != IRP_MJ_DEVICE_CONTROL || method != METHOD_NEITHER;
    if (probes && ((!a->in && a->in_len) || (!a->out && a->out_len)))
        return STATUS_ACCESS_VIOLATION;
    client_io *io = new_request(f, target, a->major);
    if (!io)
        return STATUS_INSUFFICIENT_RESOURCES;
    PIRP irp = io->irp;
    PIO_STACK_LOCATION s = IoGetNextIrpStackLocation(irp);
    bool ok = true;
    ULONG dflags = target->Flags;
    if (a->major == IRP_MJ_READ || a->major == IRP_MJ_WRITE) {
        bool read = a->major == IRP_MJ_READ;
        void *buf = read ? a->out : (void *)(uintptr_t)a->in;
        uint32_t len = read ? a->out_len : a->in_len;
        s->Parameters.Read.Length = len; /* Read and Write share the layout */
        s->Parameters.Read.ByteOffset = f->file->CurrentByteOffset;
        irp->Flags |= read ? IRP_READ_OPERATION : IRP_WRITE_OPERATION;
        irp->UserBuffer = buf;
        if (dflags & DO_BUFFERED_IO) {
            ok = make_system_buffer(io, len, read ? NULL : buf, read ? 0 : len);
            if (read && len) {
                irp->Flags |= IRP_INPUT_OPERATION;
                io->user_out = buf;
                io->out_len = len;
            }
        } else if (dflags & DO_DIRECT_IO) {
            ok = make_mdl(io, buf, len, read ? IoWriteAccess : IoReadAccess);
        }
    } else {
        s->Parameters.DeviceIoControl.IoControlCode = a->code;
        s->Parameters.DeviceIoControl.InputBufferLength = a->in_len;
        s->Parameters.DeviceIoControl.OutputBufferLength = a->out_len;
        irp->UserBuffer = a->out;
        switch (method) {
        case METHOD_BUFFERED:
            ok = make_system_buffer(io, a->in_len > a->out_len ? a->in_len : a->out_len, a->in,
                                    a->in_len);
            if (a->out_len) {
                irp->Flags |= IRP_INPUT_OPERATION;
                io->user_out = a->out;
                io->out_len = a->out_len;
            }
            break;
        case METHOD_IN_DIRECT:
        case METHOD_OUT_DIRECT:
            ok = make_system_buffer(io, a->in_len, a->in, a->in_len) &&
                 make_mdl(io, a->out, a->out_len,
                          method == METHOD_IN_DIRECT ? IoReadAccess : IoWriteAccess);
            break;
        default: /* METHOD_NEITHER */
            s->Parameters.DeviceIoControl.Type3InputBuffer = (PVOID)(uintptr_t)a->in;
            break;
        }
    }
    if (!ok) {
        free_request(io);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    st = send_and_wait(f, io, target, requestor);
    if (!io->abandoned) {
        if (a->transferred)
            *a->transferred = io->iosb.Information;
        if (a->major != IRP_MJ_DEVICE_CONTROL && NT_SUCCESS(st))
            f->file->CurrentByteOffset.QuadPart += (LONGLONG)io->iosb.Information;
    }
    free_request(io);
    return st;
}

static NTSTATUS rw(rw_args *a)
{
    if (!a->f)
        return STATUS_INVALID_HANDLE;
    return pssim__control_call(a->f->m, rw_body, a);
}

NTSTATUS pssim_device_read(pssim_device_file *f, void *buf, uint32_t len, uint64_t *transferred)
{
    rw_args a = {f, IRP_MJ_READ, 0, NULL, 0, buf, len, transferred};
    return rw(&a);
}

NTSTATUS pssim_device_write(pssim_device_file *f, const void *buf, uint32_t len,
                            uint64_t *transferred)
{
    rw_args a = {f, IRP_MJ_WRITE, 0, buf, len, NULL, 0, transferred};
    return rw(&a);
}

NTSTATUS pssim_device_ioctl(pssim_device_file *f, uint32_t code, const void *in, uint32_t in_len,
                            void *out, uint32_t out_len, uint64_t *transferred)
{
    rw_args a = {f, IRP_MJ_DEVICE_CONTROL, code, in, in_len, out, out_len, transferred};
    return rw(&a);
}

/* ---- close (IO-CLIENT-6) ---- */

static NTSTATUS close_body(pssim_machine *m, void *arg)
{
    pssim_device_file *f = arg;
    PETHREAD requestor;
    HANDLE pid;
    NTSTATUS st = IopPickRequestor(m, f->pid, &requestor, &pid);
    if (!NT_SUCCESS(st))
        requestor = m->host_thread; /* the process is gone: the system closes its handles */
    /* Requests still outstanding on this handle are cancelled first, as CancelIoEx would. */
    for (LIST_ENTRY *e = f->abandoned.Flink; e != &f->abandoned;) {
        client_io *io = CONTAINING_RECORD(e, client_io, link);
        e = e->Flink; /* completion may free io */
        IoCancelIrp(io->irp);
    }
    PDEVICE_OBJECT target = top_of_stack(f->device);
    if (f->file->Flags & FO_FILE_OPEN) {
        static const UCHAR majors[2] = {IRP_MJ_CLEANUP, IRP_MJ_CLOSE};
        for (int i = 0; i < 2 && !m->bugchecked; i++) {
            client_io *io = new_request(f, target, majors[i]);
            if (!io)
                break; /* out of memory: the driver sees no close, as with a crashed client */
            send_and_wait(f, io, target, requestor);
            free_request(io);
        }
    }
    f->device->ReferenceCount--;
    /* Abandoned requests that still have not completed keep their records until the machine
     * goes (their IRPs are the driver's). */
    while (!IsListEmpty(&f->abandoned)) {
        LIST_ENTRY *e = RemoveHeadList(&f->abandoned);
        InitializeListHead(e); /* its completion unlinks it harmlessly */
    }
    ObpDereference(m, f->device);
    ObpDereference(m, f->file);
    return STATUS_SUCCESS;
}

NTSTATUS pssim_device_close(pssim_device_file *f)
{
    if (!f)
        return STATUS_SUCCESS; /* NULL is a no-op */
    pssim_machine *m = f->m;
    NTSTATUS st = pssim__control_call(m, close_body, f);
    pssim__free(f);
    return st == PSSIM_STATUS_BUGCHECK ? st : STATUS_SUCCESS;
}
