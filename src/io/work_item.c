/* work_item.c: I/O work items (IoAllocateWorkItem, IoQueueWorkItem(Ex), IoFreeWorkItem and the
 * caller-allocated IoInitializeWorkItem family), WORK-1/4/5/7/8 of ps-semantics section 6.
 *
 * An I/O work item wraps an executive WORK_QUEUE_ITEM. Queueing it references its device (or
 * driver) object and pins the driver, so the driver's image stays loaded until the routine has
 * returned (WORK-4); the executive worker then runs IopRunWorkItem, which calls the driver's
 * routine and drops both. */
#include <string.h>

#include "core/machine.h"
#include "ex/work.h"
#include "io/io.h"

#define IOP_WORK_ITEM_TAG 'kWoI' /* "IoWk" in a pool dump; pssim's choice of tag */

typedef enum { IOP_ITEM_IDLE, IOP_ITEM_QUEUED, IOP_ITEM_ACTIVE, IOP_ITEM_UNINITIALIZED } iop_state;

struct _IO_WORKITEM {
    WORK_QUEUE_ITEM work; /* what the executive worker queues */
    PVOID io_object;      /* the device object, or a driver object (IoInitializeWorkItem / Ex) */
    pssim_driver *driver; /* the driver the object belongs to */
    PIO_WORKITEM_ROUTINE routine;
    PIO_WORKITEM_ROUTINE_EX routine_ex;
    PVOID context;
    PETHREAD running_on; /* the worker running the routine while ACTIVE */
    iop_state state;
    bool free_when_done;   /* IoFreeWorkItem from inside the routine (WORK-8) */
    bool caller_allocated; /* IoInitializeWorkItem: the caller owns the memory */
};

/* The driver behind an I/O object: a device object's driver, or the driver object's own. */
static pssim_driver *object_driver(pssim_machine *m, PVOID io_object)
{
    if (!io_object || !ObpIsLiveObject(m, io_object))
        return NULL;
    CSHORT type = *(CSHORT *)io_object; /* both objects start with their Type */
    if (type == IO_TYPE_DEVICE)
        return IopDriverOfObject(m, ((PDEVICE_OBJECT)io_object)->DriverObject);
    if (type == IO_TYPE_DRIVER)
        return IopDriverOfObject(m, io_object);
    return NULL;
}

static void init_item(PIO_WORKITEM item, PVOID io_object, pssim_driver *drv, bool caller)
{
    memset(item, 0, sizeof(*item));
    item->io_object = io_object;
    item->driver = drv;
    item->state = IOP_ITEM_IDLE;
    item->caller_allocated = caller;
}

PIO_WORKITEM IoAllocateWorkItem(PDEVICE_OBJECT DeviceObject)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked ||
        !IopIrqlAtMost(m, DISPATCH_LEVEL, "IoAllocateWorkItem", DeviceObject, "WORK-1"))
        return NULL;
    pssim_driver *drv = object_driver(m, DeviceObject);
    if (!drv)
        return NULL; /* not a live device or driver object: documented in docs/io.md */
    PIO_WORKITEM item = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*item), IOP_WORK_ITEM_TAG);
    if (!item)
        return NULL;
    init_item(item, DeviceObject, drv, false);
    return item;
}

ULONG IoSizeofWorkItem(VOID)
{
    return (ULONG)sizeof(struct _IO_WORKITEM);
}

VOID IoInitializeWorkItem(PVOID IoObject, PIO_WORKITEM IoWorkItem)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !IoWorkItem)
        return;
    pssim_driver *drv = object_driver(m, IoObject);
    if (!drv) {
        pssim__bugcheck(m, 0xE4, 0x7, (ULONG_PTR)IoWorkItem, (ULONG_PTR)IoObject, 0,
                        "IoInitializeWorkItem(%p, %p): the I/O object is not a live device or "
                        "driver object (WORK-4).",
                        IoObject, (void *)IoWorkItem);
        return;
    }
    init_item(IoWorkItem, IoObject, drv, true);
}

/* Runs on the executive worker thread (WORK-2), as the work item's owning driver. */
static VOID run_work_item(PVOID parameter)
{
    PIO_WORKITEM item = parameter;
    pssim_machine *m = pssim__current_machine();
    PVOID object = item->io_object;
    pssim_driver *drv = item->driver;
    item->state = IOP_ITEM_ACTIVE;
    item->running_on = m->current_thread;
    if (item->routine_ex)
        item->routine_ex(object, item->context, item);
    else
        item->routine((PDEVICE_OBJECT)object, item->context);
    if (m->bugchecked)
        return;
    /* The routine may have queued the item again (WORK-7) or freed it (WORK-8). */
    if (item->state == IOP_ITEM_ACTIVE) {
        item->state = IOP_ITEM_IDLE;
        item->running_on = NULL;
        if (item->free_when_done)
            ExFreePoolWithTag(item, IOP_WORK_ITEM_TAG);
    }
    ObpDereference(m, object);
    IopUnpinDriver(drv);
}

static void queue_item(PIO_WORKITEM item, PIO_WORKITEM_ROUTINE routine,
                       PIO_WORKITEM_ROUTINE_EX routine_ex, WORK_QUEUE_TYPE type, PVOID context,
                       const char *api)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !item)
        return;
    if (!ExpCheckQueueCall(m, item, type, api))
        return;
    if (item->state == IOP_ITEM_QUEUED) {
        pssim__bugcheck(m, 0xE4, 0x1, (ULONG_PTR)item, (ULONG_PTR)type, 0,
                        "%s(%p): the item is already queued (WORK-7). Fix: queue it again only "
                        "from its routine or after the routine has started.",
                        api, (void *)item);
        return;
    }
    if (item->state == IOP_ITEM_UNINITIALIZED || item->free_when_done) {
        pssim__bugcheck(m, 0xE4, 0x0, (ULONG_PTR)item, (ULONG_PTR)type, 0,
                        "%s(%p): the item was freed or uninitialized (WORK-8).", api, (void *)item);
        return;
    }
    if (!routine && !routine_ex) {
        pssim__bugcheck(m, 0xE4, 0x7, (ULONG_PTR)item, 0, 0, "%s(%p) with no routine (WORK-11).",
                        api, (void *)item);
        return;
    }
    item->routine = routine;
    item->routine_ex = routine_ex;
    item->context = context;
    item->state = IOP_ITEM_QUEUED;
    /* WORK-4: the object, and with it the driver's image, stay until the routine returned. */
    ObpReference(item->io_object);
    IopPinDriver(item->driver);
    ExInitializeWorkItem(&item->work, run_work_item, item);
    pssim__verifier_work_queued(m);
    /* Reports name the driver's routine, not run_work_item around it (WORK-3). */
    EX_WORK_ORIGIN origin = {
        item->driver, routine ? (void (*)(void))routine : (void (*)(void))routine_ex, api, true};
    ExpQueueWorkItem(m, &item->work, type, &origin);
}

VOID IoQueueWorkItem(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE WorkerRoutine,
                     WORK_QUEUE_TYPE QueueType, PVOID Context)
{
    queue_item(IoWorkItem, WorkerRoutine, NULL, QueueType, Context, "IoQueueWorkItem");
}

VOID IoQueueWorkItemEx(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE_EX WorkerRoutine,
                       WORK_QUEUE_TYPE QueueType, PVOID Context)
{
    queue_item(IoWorkItem, NULL, WorkerRoutine, QueueType, Context, "IoQueueWorkItemEx");
}

/* WORK-8: an item may be released only while not queued; from inside its own routine it may. */
static bool may_release(pssim_machine *m, PIO_WORKITEM item, const char *api)
{
    if (item->state == IOP_ITEM_QUEUED) {
        pssim__bugcheck(m, 0xE4, 0x2, (ULONG_PTR)item, 0, 0,
                        "%s(%p): the item is still queued (WORK-8). Fix: free it in its routine "
                        "or after the routine has run.",
                        api, (void *)item);
        return false;
    }
    if (item->state == IOP_ITEM_ACTIVE && item->running_on != m->current_thread) {
        pssim__bugcheck(m, 0xE4, 0x0, (ULONG_PTR)item, 0, 0,
                        "%s(%p): the item's routine is running on another thread (WORK-8). Fix: "
                        "free it from the routine itself, or wait until the routine returned.",
                        api, (void *)item);
        return false;
    }
    return true;
}

VOID IoFreeWorkItem(PIO_WORKITEM IoWorkItem)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !IoWorkItem ||
        !IopIrqlAtMost(m, DISPATCH_LEVEL, "IoFreeWorkItem", IoWorkItem, "WORK-1"))
        return;
    if (!may_release(m, IoWorkItem, "IoFreeWorkItem"))
        return;
    if (IoWorkItem->state == IOP_ITEM_ACTIVE)
        IoWorkItem->free_when_done = true; /* from its own routine: freed when it returns */
    else
        ExFreePoolWithTag(IoWorkItem, IOP_WORK_ITEM_TAG);
}

VOID IoUninitializeWorkItem(PIO_WORKITEM IoWorkItem)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !IoWorkItem)
        return;
    if (!may_release(m, IoWorkItem, "IoUninitializeWorkItem"))
        return;
    if (IoWorkItem->state != IOP_ITEM_ACTIVE)
        IoWorkItem->state = IOP_ITEM_UNINITIALIZED;
}
