/* irp.c: the IRP engine: allocation, IoCallDriver, IoCompleteRequest, cancellation and the
 * cancel spin lock (docs/io.md, IRP-1..13).
 *
 * An IRP from IoAllocateIrp is one nonpaged pool block: pssim's header (IOP_IRP_HEADER: the
 * driver that allocated it and the completion of the library's own issuer, io.h), the IRP
 * drivers see with its stack locations, and then, for each location, the driver IoCallDriver
 * gave it to (so that completion knows whose routine it calls even when the device object is
 * gone). An IRP a driver builds in its own memory with IoInitializeIrp has no header; the engine
 * runs it the same way, less what only the header tells. */
#include <stdio.h>
#include <string.h>

#include "core/machine.h"
#include "core/ptr_set.h"
#include "io/io.h"
#include "platform/platform.h"

#define IOP_IRP_TAG ' prI' /* "Irp " in a pool dump, as on Windows */
#define IOP_IRP_MAGIC 0x4850524950535350ULL
/* The largest stack an IRP may have: after its completion CurrentLocation is StackCount + 2,
 * which must still fit the CHAR (IRP-1, IRP-11). */
#define IOP_MAX_STACK_SIZE 125

typedef struct IOP_IRP_HEADER {
    uint64_t magic; /* IOP_IRP_MAGIC while the IRP is allocated */
    PIRP irp;       /* the IRP that follows */
    pssim_driver *allocator;
    IOP_IRP_ISSUER_COMPLETION *issuer;
    void *issuer_context;
    pssim_driver **location_driver; /* [StackCount], after the stack locations */
    IOP_THREADED_IRP threaded;      /* IoBuildDeviceIoControlRequest & co (build.c) */
} IOP_IRP_HEADER;
/* The IRP starts 16-byte aligned after the header, like the pool block. */
#define IOP_IRP_HEADER_SIZE ((sizeof(IOP_IRP_HEADER) + 15) & ~(size_t)15)

/* The header of an IRP from IoAllocateIrp, or NULL (caller memory, freed, not an IRP). Reads
 * nothing before knowing the header is a live pool block. */
static IOP_IRP_HEADER *header_of(pssim_machine *m, PIRP irp)
{
    if (!irp || (uintptr_t)irp < IOP_IRP_HEADER_SIZE)
        return NULL;
    IOP_IRP_HEADER *h = (IOP_IRP_HEADER *)((char *)irp - IOP_IRP_HEADER_SIZE);
    if (!pssim__ptr_set_contains(m->pool.live, h))
        return NULL;
    if (h->magic != IOP_IRP_MAGIC || h->irp != irp)
        return NULL;
    return h;
}

static pssim_driver *driver_of_device(pssim_machine *m, PDEVICE_OBJECT device)
{
    if (!device || !ObpIsLiveObject(m, device) || device->Type != IO_TYPE_DEVICE)
        return NULL;
    return IopDriverOfObject(m, device->DriverObject);
}

/* The driver whose routines belong to location `current` (a CurrentLocation value): the driver
 * IoCallDriver gave it to, or for the originator's place past the last location, the IRP's
 * allocator. NULL when not known (an IRP without header whose device is gone). */
static pssim_driver *location_owner(pssim_machine *m, PIRP irp, int current)
{
    IOP_IRP_HEADER *h = header_of(m, irp);
    if (current > irp->StackCount)
        return h ? h->allocator : NULL;
    if (current < 1)
        return NULL;
    if (h)
        return h->location_driver[current - 1];
    return driver_of_device(m, ((PIO_STACK_LOCATION)(irp + 1))[current - 1].DeviceObject);
}

/* False, after 0xCE, when `drv` has unloaded: its routine is no longer mapped (IRP-3). */
static bool routine_mapped(pssim_machine *m, pssim_driver *drv, ULONG_PTR routine, const char *what,
                           PIRP irp)
{
    if (!drv || !drv->unloaded)
        return true;
    char sym[128];
    pssim__platform_describe_address((const void *)routine, sym, sizeof(sym));
    pssim__bugcheck(m, 0xCE, routine, 0, routine, 0,
                    "the %s %s of driver '%s' was called for IRP %p after the driver unloaded "
                    "(IRP-3). Fix: a driver must not unload while an IRP it set routines on is "
                    "outstanding; complete or cancel its IRPs, and wait for them, in "
                    "DriverUnload.",
                    what, sym, drv->name, (void *)irp);
    return false;
}

#define ROUTINE_ADDRESS(r, out)                                                                    \
    do {                                                                                           \
        ULONG_PTR a_;                                                                              \
        memcpy(&a_, &(r), sizeof(a_));                                                             \
        (out) = a_;                                                                                \
    } while (0)

/* ---- allocation (IRP-1, IRP-2) ---- */

static void init_irp(PIRP irp, USHORT size, CCHAR stack_size)
{
    memset(irp, 0, size);
    irp->Type = IO_TYPE_IRP;
    irp->Size = size;
    irp->StackCount = stack_size;
    irp->CurrentLocation = (CHAR)(stack_size + 1);
    InitializeListHead(&irp->ThreadListEntry);
    /* One past the last location: IoGetNextIrpStackLocation is the top driver's. */
    irp->Tail.Overlay.CurrentStackLocation = (PIO_STACK_LOCATION)(irp + 1) + stack_size;
}

PIRP IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked)
        return NULL;
    if (!IopIrqlAtMost(m, DISPATCH_LEVEL, "IoAllocateIrp", NULL, "IRP-1"))
        return NULL;
    if (StackSize < 0 || StackSize > IOP_MAX_STACK_SIZE)
        return NULL;
    USHORT size = IoSizeOfIrp(StackSize);
    size_t owners = (size_t)StackSize * sizeof(pssim_driver *);
    IOP_IRP_HEADER *h =
        ExAllocatePool2(POOL_FLAG_NON_PAGED, IOP_IRP_HEADER_SIZE + size + owners, IOP_IRP_TAG);
    if (!h)
        return NULL;
    PIRP irp = (PIRP)((char *)h + IOP_IRP_HEADER_SIZE);
    h->magic = IOP_IRP_MAGIC;
    h->irp = irp;
    h->allocator = pssim__current_driver(m);
    h->issuer = NULL;
    h->issuer_context = NULL;
    memset(&h->threaded, 0, sizeof(h->threaded));
    h->location_driver = (pssim_driver **)((char *)irp + size);
    init_irp(irp, size, StackSize);
    irp->AllocationFlags = ChargeQuota ? IRP_QUOTA_CHARGED : 0;
    return irp;
}

VOID IoInitializeIrp(PIRP Irp, USHORT PacketSize, CCHAR StackSize)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !Irp)
        return;
    if (StackSize < 0 || StackSize > IOP_MAX_STACK_SIZE || PacketSize < IoSizeOfIrp(StackSize)) {
        pssim__bugcheck(m, 0x2A, (ULONG_PTR)Irp, PacketSize, (ULONG_PTR)(LONG_PTR)StackSize, 0,
                        "IoInitializeIrp(%p, PacketSize %u, StackSize %d): an IRP with %d stack "
                        "locations needs IoSizeOfIrp(%d) = %u bytes (at most %d locations) "
                        "(IRP-2). Fix: allocate IoSizeOfIrp(StackSize) bytes.",
                        (void *)Irp, (unsigned)PacketSize, (int)StackSize, (int)StackSize,
                        (int)StackSize, (unsigned)IoSizeOfIrp(StackSize), IOP_MAX_STACK_SIZE);
        return;
    }
    init_irp(Irp, PacketSize, StackSize);
}

VOID IoReuseIrp(PIRP Irp, NTSTATUS Iostatus)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !Irp)
        return;
    /* IRP-2: as IoAllocateIrp returned it, with its AllocationFlags, and the status given. */
    UCHAR allocation_flags = Irp->AllocationFlags;
    IOP_IRP_HEADER *h = header_of(m, Irp);
    if (h)
        memset(h->location_driver, 0, (size_t)Irp->StackCount * sizeof(pssim_driver *));
    init_irp(Irp, Irp->Size, Irp->StackCount);
    Irp->AllocationFlags = allocation_flags;
    Irp->IoStatus.Status = Iostatus;
}

VOID IoFreeIrp(PIRP Irp)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !Irp)
        return;
    if (!IopIrqlAtMost(m, DISPATCH_LEVEL, "IoFreeIrp", Irp, "IRP-2"))
        return;
    IOP_IRP_HEADER *h = header_of(m, Irp);
    if (!h) {
        pssim__bugcheck(m, 0xC2, 0x7, 0, (ULONG_PTR)Irp, 0,
                        "IoFreeIrp(%p): not an IRP allocated with IoAllocateIrp (freed already, "
                        "or memory the caller initialized with IoInitializeIrp) (IRP-2). Fix: "
                        "free each IoAllocateIrp IRP once; free caller memory the way it was "
                        "allocated.",
                        (void *)Irp);
        return;
    }
    if (Irp->Type != IO_TYPE_IRP) {
        pssim__bugcheck(m, 0xC9, 0x1, (ULONG_PTR)Irp, 0, 0,
                        "IoFreeIrp(%p): the object's Type is %d, not IO_TYPE_IRP (IRP-2).",
                        (void *)Irp, (int)Irp->Type);
        return;
    }
    if (!IsListEmpty(&Irp->ThreadListEntry)) {
        pssim__bugcheck(m, 0xC9, 0x2, (ULONG_PTR)Irp, 0, 0,
                        "IoFreeIrp(%p): the IRP is still queued to a thread (IRP-2).", (void *)Irp);
        return;
    }
    h->magic = 0;
    ExFreePoolWithTag(h, IOP_IRP_TAG);
}

IOP_THREADED_IRP *IopThreadedIrp(pssim_machine *m, PIRP irp)
{
    IOP_IRP_HEADER *h = header_of(m, irp);
    return h ? &h->threaded : NULL;
}

bool IopSetIrpIssuer(PIRP irp, IOP_IRP_ISSUER_COMPLETION *completion, void *context)
{
    pssim_machine *m = pssim__machine_in_force();
    if (!m)
        return false;
    IOP_IRP_HEADER *h = header_of(m, irp);
    if (!h)
        return false;
    h->issuer = completion;
    h->issuer_context = completion ? context : NULL;
    return true;
}

/* ---- IoCallDriver (IRP-3, IRP-4, IRP-6) ---- */

/* What the I/O manager's default dispatch routine does for a major function the driver has no
 * routine for (IRP-4). */
static NTSTATUS invalid_device_request(PIRP irp)
{
    irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
    irp->IoStatus.Information = 0;
    IofCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS_INVALID_DEVICE_REQUEST;
}

NTSTATUS FASTCALL IofCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    KIRQL irql = m->current_thread->irql;
    if (irql > DISPATCH_LEVEL) {
        pssim__bugcheck(m, 0xC9, 0x10, irql, (ULONG_PTR)Irp, 0,
                        "IoCallDriver at IRQL %u; it must be called at IRQL <= DISPATCH_LEVEL "
                        "(IRP-3).",
                        (unsigned)irql);
        return PSSIM_STATUS_BUGCHECK;
    }
    if (!Irp || Irp->Type != IO_TYPE_IRP) {
        pssim__bugcheck(m, 0xC9, 0x3, (ULONG_PTR)Irp, 0, 0,
                        "IoCallDriver(%p, %p): the IRP is not an IRP (Type is not IO_TYPE_IRP) "
                        "(IRP-3).",
                        (void *)DeviceObject, (void *)Irp);
        return PSSIM_STATUS_BUGCHECK;
    }
    pssim_driver *drv = NULL;
    if (DeviceObject && ObpIsLiveObject(m, DeviceObject) && DeviceObject->Type == IO_TYPE_DEVICE)
        drv = driver_of_device(m, DeviceObject);
    if (!drv) {
        pssim__bugcheck(m, 0xC9, 0x4, (ULONG_PTR)DeviceObject, 0, 0,
                        "IoCallDriver(%p, IRP %p): not a live device object (IRP-3).",
                        (void *)DeviceObject, (void *)Irp);
        return PSSIM_STATUS_BUGCHECK;
    }
    /* IRP-3: the next lower location becomes current and names the device. */
    Irp->CurrentLocation--;
    if (Irp->CurrentLocation <= 0) {
        pssim__bugcheck(m, 0x35, (ULONG_PTR)Irp, 0, 0, 0,
                        "IoCallDriver(%p, IRP %p): the IRP has no stack location left for the "
                        "device (StackCount %d) (IRP-6). Fix: allocate the IRP with the target's "
                        "StackSize (plus one for a location of your own), and give a device that "
                        "forwards to another a StackSize one greater than the lower device's.",
                        (void *)DeviceObject, (void *)Irp, (int)Irp->StackCount);
        return PSSIM_STATUS_BUGCHECK;
    }
    Irp->Tail.Overlay.CurrentStackLocation--;
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    sp->DeviceObject = DeviceObject;
    IOP_IRP_HEADER *h = header_of(m, Irp);
    if (h && Irp->CurrentLocation <= Irp->StackCount)
        h->location_driver[Irp->CurrentLocation - 1] = drv;
    if (sp->MajorFunction > IRP_MJ_MAXIMUM_FUNCTION) {
        pssim__bugcheck(m, 0x2A, (ULONG_PTR)Irp, sp->MajorFunction, 0, 0,
                        "IoCallDriver(%p, IRP %p): MajorFunction 0x%x is beyond "
                        "IRP_MJ_MAXIMUM_FUNCTION (IRP-4).",
                        (void *)DeviceObject, (void *)Irp, (unsigned)sp->MajorFunction);
        return PSSIM_STATUS_BUGCHECK;
    }
    PDRIVER_DISPATCH routine = DeviceObject->DriverObject->MajorFunction[sp->MajorFunction];
    if (!routine)
        return invalid_device_request(Irp);
    ULONG_PTR addr;
    ROUTINE_ADDRESS(routine, addr);
    if (!routine_mapped(m, drv, addr, "dispatch routine", Irp))
        return PSSIM_STATUS_BUGCHECK;
    NTSTATUS status = STATUS_SUCCESS;
    PSSIM_WITH_DRIVER(m, drv, { status = routine(DeviceObject, Irp); });
    if (m->bugchecked)
        return status;
    KIRQL after = m->current_thread->irql;
    if (after != irql) {
        pssim__bugcheck(m, 0xC9, 0x5, (ULONG_PTR)DeviceObject, irql, after,
                        "the dispatch routine of driver '%s' for device %p returned at IRQL %u; "
                        "it was called at IRQL %u (IRP-3).",
                        drv->name, (void *)DeviceObject, (unsigned)after, (unsigned)irql);
        return PSSIM_STATUS_BUGCHECK;
    }
    return status;
}

/* ---- IoCompleteRequest (IRP-7..11) ---- */

/* Completion leaves each location cleared but for MajorFunction and DeviceObject (IRP-7). */
static void clear_location(PIO_STACK_LOCATION sp)
{
    sp->MinorFunction = 0;
    sp->Flags = 0;
    sp->Control = 0;
    memset(&sp->Parameters, 0, sizeof(sp->Parameters));
    sp->FileObject = NULL;
    sp->CompletionRoutine = NULL;
    sp->Context = NULL;
}

/* Past the last location: the I/O manager's part (IRP-10). */
static void final_stage(pssim_machine *m, PIRP irp, CCHAR boost)
{
    IOP_IRP_HEADER *h = header_of(m, irp);
    if (h && h->threaded.thread) {
        IopCompleteThreadedIrp(m, irp, boost); /* IRP-19: an APC to its thread */
        return;
    }
    if (h && !h->issuer && h->allocator && h->allocator != &m->host_image) {
        pssim__bugcheck(m, 0x2A, (ULONG_PTR)irp, 0, 0, 0,
                        "IRP %p, which driver '%s' allocated with IoAllocateIrp, completed back "
                        "to the I/O manager: no completion routine stopped it with "
                        "STATUS_MORE_PROCESSING_REQUIRED. Such an IRP belongs to no thread; the "
                        "allocating driver must free it instead of completing it back (IRP-10). "
                        "Fix: set a completion routine that returns "
                        "STATUS_MORE_PROCESSING_REQUIRED and frees the IRP (IoFreeIrp).",
                        (void *)irp, h->allocator->name);
        return;
    }
    if (irp->UserIosb)
        *irp->UserIosb = irp->IoStatus;
    if (irp->UserEvent)
        KeSetEvent(irp->UserEvent, boost, FALSE);
    if (h && h->issuer)
        h->issuer(m, irp, h->issuer_context);
}

static bool should_invoke(PIRP irp, UCHAR control)
{
    NTSTATUS status = irp->IoStatus.Status;
    if (NT_SUCCESS(status) && (control & SL_INVOKE_ON_SUCCESS))
        return true;
    if (!NT_SUCCESS(status) && (control & SL_INVOKE_ON_ERROR))
        return true;
    return irp->Cancel && (control & SL_INVOKE_ON_CANCEL);
}

/* Walks the locations from the current one up (IRP-7), stopping at a routine that returns
 * STATUS_MORE_PROCESSING_REQUIRED (IRP-8), passing pending on (IRP-9). */
static void complete_walk(pssim_machine *m, PIRP irp, CCHAR boost)
{
    int past_last = irp->StackCount + 1; /* CurrentLocation with no location current */
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
    irp->CurrentLocation++;
    irp->Tail.Overlay.CurrentStackLocation++;
    for (; irp->CurrentLocation <= past_last;
         sp++, irp->CurrentLocation++, irp->Tail.Overlay.CurrentStackLocation++) {
        irp->PendingReturned = (sp->Control & SL_PENDING_RETURNED) ? TRUE : FALSE;
        PIO_COMPLETION_ROUTINE routine = sp->CompletionRoutine;
        PVOID context = sp->Context;
        bool invoke = routine && should_invoke(irp, sp->Control);
        clear_location(sp);
        if (!invoke) {
            /* IRP-9: the I/O manager marks the caller's location pending on its behalf. */
            if (irp->PendingReturned && irp->CurrentLocation <= irp->StackCount)
                IoMarkIrpPending(irp);
            continue;
        }
        /* The routine belongs to the driver of the location above; the originator has none. */
        PDEVICE_OBJECT device = irp->CurrentLocation == past_last
                                    ? NULL
                                    : IoGetCurrentIrpStackLocation(irp)->DeviceObject;
        pssim_driver *owner = location_owner(m, irp, irp->CurrentLocation);
        ULONG_PTR addr;
        ROUTINE_ADDRESS(routine, addr);
        if (!routine_mapped(m, owner, addr, "completion routine", irp))
            return;
        NTSTATUS result = STATUS_SUCCESS;
        if (owner)
            PSSIM_WITH_DRIVER(m, owner, { result = routine(device, irp, context); });
        else
            result = routine(device, irp, context);
        if (m->bugchecked || result == STATUS_MORE_PROCESSING_REQUIRED)
            return;
    }
    final_stage(m, irp, boost);
}

VOID FASTCALL IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !Irp)
        return;
    KIRQL irql = m->current_thread->irql;
    if (irql > DISPATCH_LEVEL) {
        pssim__bugcheck(m, 0xC9, 0xE, irql, (ULONG_PTR)Irp, 0,
                        "IoCompleteRequest(IRP %p) at IRQL %u; it must be called at IRQL <= "
                        "DISPATCH_LEVEL (IRP-11).",
                        (void *)Irp, (unsigned)irql);
        return;
    }
    if (Irp->Type != IO_TYPE_IRP || Irp->CurrentLocation > Irp->StackCount + 1) {
        pssim__bugcheck(m, 0x44, (ULONG_PTR)Irp, 0, 0, 0,
                        "IoCompleteRequest(IRP %p): the IRP has already been completed "
                        "(IRP-11). Usually two drivers each believe they own it: after passing "
                        "an IRP down with IoCallDriver, or after completing it, a driver must "
                        "not complete it again unless its completion routine returned "
                        "STATUS_MORE_PROCESSING_REQUIRED.",
                        (void *)Irp);
        return;
    }
    NTSTATUS status = Irp->IoStatus.Status;
    if (status == STATUS_PENDING || status == (NTSTATUS)0xFFFFFFFF) {
        pssim__bugcheck(m, 0xC9, 0x6, (ULONG_PTR)(ULONG)status, (ULONG_PTR)Irp, 0,
                        "IoCompleteRequest(IRP %p) with IoStatus.Status 0x%08X: an IRP is "
                        "completed with its final status, never STATUS_PENDING or -1 (IRP-11).",
                        (void *)Irp, (unsigned)status);
        return;
    }
    if (Irp->CancelRoutine) {
        ULONG_PTR addr;
        PDRIVER_CANCEL cancel = Irp->CancelRoutine;
        ROUTINE_ADDRESS(cancel, addr);
        char sym[128];
        pssim__platform_describe_address((const void *)addr, sym, sizeof(sym));
        pssim__bugcheck(m, 0xC9, 0x7, addr, (ULONG_PTR)Irp, 0,
                        "IoCompleteRequest(IRP %p) while its cancel routine %s is still set "
                        "(IRP-11). Fix: clear it with IoSetCancelRoutine(Irp, NULL) first, and "
                        "complete the IRP only if that returned the routine (otherwise the "
                        "cancel routine is running and completes it).",
                        (void *)Irp, sym);
        return;
    }
    complete_walk(m, Irp, PriorityBoost);
}

/* ---- cancellation (IRP-12) ---- */

VOID IoAcquireCancelSpinLock(PKIRQL Irql)
{
    pssim_machine *m = pssim__current_machine();
    if (!Irql)
        return;
    *Irql = PASSIVE_LEVEL; /* set on every path: callers restore it */
    if (!m)
        return;
    *Irql = KeAcquireSpinLockRaiseToDpc(&m->io_cancel_lock);
}

VOID IoReleaseCancelSpinLock(KIRQL Irql)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return;
    KeReleaseSpinLock(&m->io_cancel_lock, Irql);
}

BOOLEAN IoCancelIrp(PIRP Irp)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !Irp)
        return FALSE;
    if (!IopIrqlAtMost(m, DISPATCH_LEVEL, "IoCancelIrp", Irp, "IRP-12"))
        return FALSE;
    KIRQL irql = PASSIVE_LEVEL;
    IoAcquireCancelSpinLock(&irql);
    if (m->bugchecked)
        return FALSE;
    Irp->Cancel = TRUE;
    PDRIVER_CANCEL routine = IoSetCancelRoutine(Irp, NULL);
    if (!routine) {
        IoReleaseCancelSpinLock(irql);
        return FALSE;
    }
    ULONG_PTR addr;
    ROUTINE_ADDRESS(routine, addr);
    if (Irp->CurrentLocation > Irp->StackCount + 1) {
        pssim__bugcheck(m, 0x48, (ULONG_PTR)Irp, addr, 0, 0,
                        "IoCancelIrp(IRP %p): the IRP has been completed, yet it has a cancel "
                        "routine (IRP-12). A driver set a cancel routine on an IRP it no longer "
                        "owned.",
                        (void *)Irp);
        return FALSE;
    }
    /* The routine runs at DISPATCH_LEVEL holding the cancel spin lock, which it releases with
     * IoReleaseCancelSpinLock(Irp->CancelIrql). */
    Irp->CancelIrql = irql;
    PDEVICE_OBJECT device = Irp->CurrentLocation <= Irp->StackCount
                                ? IoGetCurrentIrpStackLocation(Irp)->DeviceObject
                                : NULL;
    pssim_driver *owner = location_owner(m, Irp, Irp->CurrentLocation);
    if (!routine_mapped(m, owner, addr, "cancel routine", Irp))
        return FALSE;
    if (owner)
        PSSIM_WITH_DRIVER(m, owner, { routine(device, Irp); });
    else
        routine(device, Irp);
    if (m->bugchecked)
        return TRUE;
    if (m->io_cancel_lock == ((KSPIN_LOCK)(uintptr_t)m->current_thread | 1)) {
        char sym[128];
        pssim__platform_describe_address((const void *)addr, sym, sizeof(sym));
        pssim__bugcheck(m, 0x11B, (ULONG_PTR)Irp, addr, 0, 0,
                        "the cancel routine %s returned holding the cancel spin lock (IRP %p) "
                        "(IRP-12). Fix: release it with IoReleaseCancelSpinLock(Irp->CancelIrql) "
                        "in the cancel routine.",
                        sym, (void *)Irp);
    }
    return TRUE;
}

/* ---- queries (IRP-13) ---- */

ULONG IoGetRequestorProcessId(PIRP Irp)
{
    if (!Irp || !Irp->Tail.Overlay.Thread)
        return 0;
    return (ULONG)(ULONG_PTR)PsGetThreadProcessId(Irp->Tail.Overlay.Thread);
}

PEPROCESS IoGetRequestorProcess(PIRP Irp)
{
    if (!Irp || !Irp->Tail.Overlay.Thread)
        return NULL;
    return PsGetThreadProcess(Irp->Tail.Overlay.Thread);
}

BOOLEAN IoIsOperationSynchronous(PIRP Irp)
{
    if (!Irp)
        return FALSE;
    ULONG flags = Irp->Flags;
    if (flags & IRP_PAGING_IO)
        return (flags & IRP_SYNCHRONOUS_PAGING_IO) ? TRUE : FALSE;
    if (flags & IRP_SYNCHRONOUS_API)
        return TRUE;
    if (Irp->CurrentLocation > Irp->StackCount)
        return FALSE; /* no current location to look at */
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    if (sp->FileObject && (sp->FileObject->Flags & FO_SYNCHRONOUS_IO))
        return TRUE;
    /* An IOCTL or FSCTL defined with METHOD_BUFFERED counts as synchronous too. */
    if (sp->MajorFunction == IRP_MJ_DEVICE_CONTROL ||
        sp->MajorFunction == IRP_MJ_FILE_SYSTEM_CONTROL) {
        ULONG code = sp->MajorFunction == IRP_MJ_FILE_SYSTEM_CONTROL
                         ? sp->Parameters.FileSystemControl.FsControlCode
                         : sp->Parameters.DeviceIoControl.IoControlCode;
        if (METHOD_FROM_CTL_CODE(code) == METHOD_BUFFERED)
            return TRUE;
    }
    return FALSE;
}

PDEVICE_OBJECT IoGetRelatedDeviceObject(PFILE_OBJECT FileObject)
{
    if (!FileObject || !FileObject->DeviceObject)
        return NULL;
    PDEVICE_OBJECT device = FileObject->DeviceObject;
    while (device->AttachedDevice)
        device = device->AttachedDevice;
    return device;
}
