/* build.c: IRPs the I/O manager builds for drivers and hard errors (docs/apc.md, IRP-18..21).
 *
 * IoBuildDeviceIoControlRequest and IoBuildSynchronousFsdRequest make "threaded" IRPs: queued
 * to the calling thread's IRP list, and completed back to it. Their final stage (buffered output
 * copied back, the system buffer and MDLs released, *UserIosb and UserEvent set, the IRP freed)
 * runs as a special kernel APC to that thread (src/ke/apc.c), so a thread that waits for one
 * at APC_LEVEL or in a guarded region waits for ever (GUIDE-8). IoRaiseHardError queues a normal
 * kernel APC to the IRP's thread, which (the user having answered) completes the IRP. */
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "io/io.h"

#define BUILD_POOL_TAG 'fBoI' /* "IoBf": system buffers of buffered I/O, as the client's */

/* ---- the completion APC (IRP-19) ---- */

static void release_buffers(PIRP irp)
{
    if ((irp->Flags & IRP_DEALLOCATE_BUFFER) && irp->AssociatedIrp.SystemBuffer) {
        ExFreePool(irp->AssociatedIrp.SystemBuffer);
        irp->AssociatedIrp.SystemBuffer = NULL;
    }
    for (PMDL mdl = irp->MdlAddress, next; mdl; mdl = next) {
        next = mdl->Next;
        if (mdl->MdlFlags & MDL_PAGES_LOCKED)
            MmUnlockPages(mdl);
        IoFreeMdl(mdl);
    }
    irp->MdlAddress = NULL;
}

/* On the thread the IRP is queued to (KI_APC_RUN), or without it once it has ended
 * (KI_APC_RUNDOWN: the IRP is released and nothing of the thread's is written, its stack being
 * gone). */
static void threaded_completion(pssim_machine *m, KI_KERNEL_APC *apc, KI_APC_CALL call)
{
    if (call == KI_APC_FREE)
        return; /* the IRP is pool memory: it goes with the machine */
    IOP_THREADED_IRP *th = CONTAINING_RECORD(apc, IOP_THREADED_IRP, apc);
    PIRP irp = apc->irp;
    bool run = call == KI_APC_RUN;
    NTSTATUS status = irp->IoStatus.Status;
    if (run && !th->no_copy && (irp->Flags & IRP_BUFFERED_IO) &&
        (irp->Flags & IRP_INPUT_OPERATION) && !NT_ERROR(status) && irp->UserBuffer &&
        irp->AssociatedIrp.SystemBuffer) {
        ULONG_PTR n = irp->IoStatus.Information;
        memcpy(irp->UserBuffer, irp->AssociatedIrp.SystemBuffer, n < th->out_len ? n : th->out_len);
    }
    release_buffers(irp);
    PKEVENT event = run ? irp->UserEvent : NULL;
    CCHAR boost = th->boost;
    if (run && irp->UserIosb)
        *irp->UserIosb = irp->IoStatus;
    RemoveEntryList(&irp->ThreadListEntry);
    InitializeListHead(&irp->ThreadListEntry);
    PETHREAD t = th->thread;
    th->thread = NULL;
    IoFreeIrp(irp);
    ObpDereference(m, t); /* the IRP's reference on its thread */
    if (event)
        KeSetEvent(event, boost, FALSE);
}

void IopCompleteThreadedIrp(pssim_machine *m, PIRP irp, CCHAR boost)
{
    IOP_THREADED_IRP *th = IopThreadedIrp(m, irp);
    th->boost = boost;
    KI_KERNEL_APC *apc = &th->apc;
    memset(apc, 0, sizeof(*apc));
    apc->routine = threaded_completion;
    apc->thread = th->thread;
    apc->irp = irp;
    apc->event = irp->UserEvent;
    apc->what = th->api && strcmp(th->api, "IoBuildSynchronousFsdRequest") == 0
                    ? "the I/O manager's completion of an IoBuildSynchronousFsdRequest IRP"
                    : "the I/O manager's completion of an IoBuildDeviceIoControlRequest IRP";
    apc->special = true;
    KiQueueKernelApc(m, apc);
}

/* ---- building (IRP-18) ---- */

/* An IRP for `device` with its first location's major function, the caller's event and status
 * block, RequestorMode KernelMode; NULL when the caller may not build one or out of memory. */
static PIRP new_irp(pssim_machine *m, const char *api, PDEVICE_OBJECT device, UCHAR major,
                    PKEVENT event, PIO_STATUS_BLOCK iosb)
{
    if (!IopIrqlAtMost(m, PASSIVE_LEVEL, api, device, "IRP-18"))
        return NULL;
    if (!device || !ObpIsLiveObject(m, device) || device->Type != IO_TYPE_DEVICE)
        return NULL;
    PIRP irp = IoAllocateIrp(device->StackSize, FALSE);
    if (!irp)
        return NULL;
    irp->RequestorMode = KernelMode;
    irp->UserIosb = iosb;
    irp->UserEvent = event;
    IoGetNextIrpStackLocation(irp)->MajorFunction = major;
    return irp;
}

static bool system_buffer(PIRP irp, ULONG size, const void *in, ULONG in_len)
{
    if (size == 0)
        return true;
    void *b = ExAllocatePool2(POOL_FLAG_NON_PAGED, size, BUILD_POOL_TAG);
    if (!b)
        return false;
    if (in && in_len)
        memcpy(b, in, in_len);
    irp->AssociatedIrp.SystemBuffer = b;
    irp->Flags |= IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
    return true;
}

static bool locked_mdl(PIRP irp, void *buf, ULONG len, LOCK_OPERATION op)
{
    if (!buf || len == 0)
        return true;
    if (!IoAllocateMdl(buf, len, FALSE, FALSE, irp))
        return false;
    MmProbeAndLockPages(irp->MdlAddress, KernelMode, op);
    return true;
}

/* Queues the finished IRP to the calling thread (IoQueueThreadIrp's part); frees it and gives
 * NULL when that cannot be done (out of memory). */
static PIRP queue_to_thread(pssim_machine *m, PIRP irp, const char *api, ULONG out_len, bool ok)
{
    PETHREAD t = m->current_thread;
    KI_THREAD_EXTRA *x = ok ? KiThreadExtra(t) : NULL;
    IOP_THREADED_IRP *th = IopThreadedIrp(m, irp);
    if (!x || !th) {
        release_buffers(irp);
        IoFreeIrp(irp);
        return NULL;
    }
    if (!x->irps.Flink)
        InitializeListHead(&x->irps);
    InsertTailList(&x->irps, &irp->ThreadListEntry);
    ObpReference(t);
    irp->Tail.Overlay.Thread = t;
    th->thread = t;
    th->api = api;
    th->out_len = out_len;
    return irp;
}

PIRP IoBuildDeviceIoControlRequest(ULONG IoControlCode, PDEVICE_OBJECT DeviceObject,
                                   PVOID InputBuffer, ULONG InputBufferLength, PVOID OutputBuffer,
                                   ULONG OutputBufferLength, BOOLEAN InternalDeviceIoControl,
                                   PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock)
{
    static const char api[] = "IoBuildDeviceIoControlRequest";
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked)
        return NULL;
    PIRP irp =
        new_irp(m, api, DeviceObject,
                InternalDeviceIoControl ? IRP_MJ_INTERNAL_DEVICE_CONTROL : IRP_MJ_DEVICE_CONTROL,
                Event, IoStatusBlock);
    if (!irp)
        return NULL;
    PIO_STACK_LOCATION sp = IoGetNextIrpStackLocation(irp);
    sp->Parameters.DeviceIoControl.IoControlCode = IoControlCode;
    sp->Parameters.DeviceIoControl.InputBufferLength = InputBufferLength;
    sp->Parameters.DeviceIoControl.OutputBufferLength = OutputBufferLength;
    irp->UserBuffer = OutputBuffer;
    bool ok = true;
    switch (METHOD_FROM_CTL_CODE(IoControlCode)) {
    case METHOD_BUFFERED:
        ok = system_buffer(
            irp, InputBufferLength > OutputBufferLength ? InputBufferLength : OutputBufferLength,
            InputBuffer, InputBufferLength);
        if (OutputBuffer && OutputBufferLength)
            irp->Flags |= IRP_INPUT_OPERATION;
        break;
    case METHOD_IN_DIRECT:
    case METHOD_OUT_DIRECT:
        ok = system_buffer(irp, InputBuffer ? InputBufferLength : 0, InputBuffer,
                           InputBufferLength) &&
             locked_mdl(irp, OutputBuffer, OutputBufferLength,
                        METHOD_FROM_CTL_CODE(IoControlCode) == METHOD_IN_DIRECT ? IoReadAccess
                                                                                : IoWriteAccess);
        break;
    default: /* METHOD_NEITHER: the caller's pointers as they are */
        sp->Parameters.DeviceIoControl.Type3InputBuffer = InputBuffer;
        break;
    }
    return queue_to_thread(m, irp, api, OutputBufferLength, ok);
}

PIRP IoBuildSynchronousFsdRequest(ULONG MajorFunction, PDEVICE_OBJECT DeviceObject, PVOID Buffer,
                                  ULONG Length, PLARGE_INTEGER StartingOffset, PKEVENT Event,
                                  PIO_STATUS_BLOCK IoStatusBlock)
{
    static const char api[] = "IoBuildSynchronousFsdRequest";
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || MajorFunction > IRP_MJ_MAXIMUM_FUNCTION)
        return NULL;
    PIRP irp = new_irp(m, api, DeviceObject, (UCHAR)MajorFunction, Event, IoStatusBlock);
    if (!irp)
        return NULL;
    bool ok = true;
    ULONG out_len = 0;
    if (MajorFunction == IRP_MJ_READ || MajorFunction == IRP_MJ_WRITE) {
        bool read = MajorFunction == IRP_MJ_READ;
        PIO_STACK_LOCATION sp = IoGetNextIrpStackLocation(irp);
        sp->Parameters.Read.Length = Length; /* Read and Write share the layout */
        if (StartingOffset)
            sp->Parameters.Read.ByteOffset = *StartingOffset;
        irp->UserBuffer = Buffer;
        if (DeviceObject->Flags & DO_BUFFERED_IO) {
            ok = system_buffer(irp, Length, read ? NULL : Buffer, read ? 0 : Length);
            if (read && Buffer && Length) {
                irp->Flags |= IRP_INPUT_OPERATION;
                out_len = Length;
            }
        } else if (DeviceObject->Flags & DO_DIRECT_IO) {
            ok = locked_mdl(irp, Buffer, Length, read ? IoWriteAccess : IoReadAccess);
        }
    }
    return queue_to_thread(m, irp, api, out_len, ok);
}

/* ---- hard errors (IRP-20, IRP-21) ---- */

typedef struct hard_error_apc {
    KI_KERNEL_APC apc;
} hard_error_apc;

/* The dialog's normal kernel APC: the user answers, and the IRP completes with the status it
 * failed with (run down: completed all the same, as if the dialog had been dismissed). */
static void hard_error_routine(pssim_machine *m, KI_KERNEL_APC *apc, KI_APC_CALL call)
{
    hard_error_apc *h = CONTAINING_RECORD(apc, hard_error_apc, apc);
    PIRP irp = apc->irp;
    pssim__free(h);
    if (call != KI_APC_FREE && !m->bugchecked)
        IoCompleteRequest(irp, IO_DISK_INCREMENT);
}

static bool hard_errors_disabled(PETHREAD t)
{
    return t && t->extra && t->extra->hard_errors_disabled;
}

VOID IoRaiseHardError(PIRP Irp, PVPB Vpb, PDEVICE_OBJECT RealDeviceObject)
{
    (void)Vpb;
    (void)RealDeviceObject;
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !Irp)
        return;
    if (!IopIrqlAtMost(m, APC_LEVEL, "IoRaiseHardError", Irp, "IRP-20"))
        return;
    IOP_THREADED_IRP *th = IopThreadedIrp(m, Irp);
    if (th)
        th->no_copy = true; /* the request failed: no data goes to the caller's buffers */
    PETHREAD t = Irp->Tail.Overlay.Thread;
    hard_error_apc *h = NULL;
    if (t && !hard_errors_disabled(m->current_thread) && !hard_errors_disabled(t))
        h = pssim__alloc(sizeof(*h));
    if (!h) {
        /* IRP-21: hard errors disabled (or no thread to ask): completed at once, silently. */
        IoCompleteRequest(Irp, IO_DISK_INCREMENT);
        return;
    }
    h->apc.routine = hard_error_routine;
    h->apc.thread = t;
    h->apc.irp = Irp;
    h->apc.event = th && th->thread ? Irp->UserEvent : NULL;
    h->apc.what = "IoRaiseHardError's hard-error dialog";
    h->apc.special = false;
    KiQueueKernelApc(m, &h->apc);
}

BOOLEAN IoSetThreadHardErrorMode(BOOLEAN EnableHardErrors)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return TRUE;
    PETHREAD t = m->current_thread;
    BOOLEAN was = hard_errors_disabled(t) ? FALSE : TRUE;
    if (EnableHardErrors ? t->extra != NULL : KiThreadExtra(t) != NULL)
        t->extra->hard_errors_disabled = !EnableHardErrors;
    return was;
}
