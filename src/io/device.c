/* device.c: device objects and the \Device namespace (docs/io.md, IO-DEV-1..5).
 *
 * A device object is an Ob object whose body is IOP_DEVICE: the DEVICE_OBJECT drivers see,
 * then what the I/O manager keeps about it, then its name's characters, then the device
 * extension (16-byte aligned, zeroed). The creation reference is dropped by IoDeleteDevice;
 * whatever else references the device (an I/O work item, later an open file) keeps the memory,
 * and through IopPinDriver the driver's image, until the last reference goes. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "io/io.h"

#define DO_DEVICE_HAS_NAME 0x00000040 /* private flag of the I/O manager (ntifs.h era) */

typedef struct IOP_DEVICE {
    DEVICE_OBJECT object; /* first: the body pointer is the PDEVICE_OBJECT */
    pssim_machine *machine;
    pssim_driver *driver;
    LIST_ENTRY link; /* m->devices while not deleted (the namespace) */
    bool deleted;    /* IoDeleteDevice has run */
    UNICODE_STRING name;
    PDEVICE_OBJECT attached_to; /* the device below it in its stack (IO-DEV-6) */
} IOP_DEVICE;

static uintptr_t align16(uintptr_t n)
{
    return (n + 15) & ~(uintptr_t)15;
}

/* IO-DEV-2: a device name is a full path in a directory the namespace has. pssim's namespace
 * has one directory for devices, \Device. */
static NTSTATUS check_name(const WCHAR *s, size_t units)
{
    if (units == 0)
        return STATUS_OBJECT_NAME_INVALID;
    if (s[0] != '\\')
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    if (!IopNamePrefix(s, units, "\\Device\\"))
        return STATUS_OBJECT_PATH_NOT_FOUND;
    if (units == 8)
        return STATUS_OBJECT_NAME_INVALID; /* "\Device\" names the directory itself */
    for (size_t i = 8; i < units; i++) {
        if (s[i] == '\\')
            return STATUS_OBJECT_PATH_NOT_FOUND; /* no subdirectories under \Device */
        if (s[i] == 0)
            return STATUS_OBJECT_NAME_INVALID;
    }
    return STATUS_SUCCESS;
}

static IOP_DEVICE *find_named(pssim_machine *m, const WCHAR *s, size_t units)
{
    for (LIST_ENTRY *e = m->devices.Flink; e != &m->devices; e = e->Flink) {
        IOP_DEVICE *d = CONTAINING_RECORD(e, IOP_DEVICE, link);
        if (d->name.Length &&
            IopNameEqual(d->name.Buffer, d->name.Length / sizeof(WCHAR), s, units))
            return d;
    }
    return NULL;
}

PDEVICE_OBJECT IopLookupDevice(pssim_machine *m, PCUNICODE_STRING name)
{
    if (!name || !name->Buffer)
        return NULL;
    IOP_DEVICE *d = find_named(m, name->Buffer, name->Length / sizeof(WCHAR));
    return d ? &d->object : NULL;
}

/* Takes the device out of the namespace and out of its driver's list. */
static void unlink_device(IOP_DEVICE *d)
{
    d->deleted = true;
    RemoveEntryList(&d->link);
    PDRIVER_OBJECT drv = d->object.DriverObject;
    for (PDEVICE_OBJECT *p = &drv->DeviceObject; *p; p = &(*p)->NextDevice) {
        if (*p == &d->object) {
            *p = d->object.NextDevice;
            break;
        }
    }
}

static void delete_device(void *body)
{
    IOP_DEVICE *d = body;
    if (!d->deleted) /* the creation reference was dropped with ObDereferenceObject */
        unlink_device(d);
    IopUnpinDriver(d->driver);
}

bool IopIrqlAtMost(pssim_machine *m, KIRQL max, const char *api, const void *arg, const char *rule)
{
    KIRQL irql = m->current_thread->irql;
    if (irql <= max)
        return true;
    pssim__bugcheck(m, 0xC4, 0xE5, irql, (ULONG_PTR)arg, 0,
                    "%s at IRQL %u; it must be called at IRQL <= %u (%s).", api, (unsigned)irql,
                    (unsigned)max, rule);
    return false;
}

NTSTATUS IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize,
                        PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType,
                        ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                        PDEVICE_OBJECT *DeviceObject)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!IopIrqlAtMost(m, PASSIVE_LEVEL, "IoCreateDevice", DriverObject, "IO-DEV-1"))
        return PSSIM_STATUS_BUGCHECK;
    if (!DeviceObject)
        return STATUS_INVALID_PARAMETER_7;
    *DeviceObject = NULL;
    pssim_driver *drv = IopDriverOfObject(m, DriverObject);
    if (!drv || drv->unloaded)
        return STATUS_INVALID_PARAMETER_1;

    /* The name: the caller's, one generated on request (IO-DEV-2), or none. */
    WCHAR generated[24];
    const WCHAR *name = NULL;
    size_t units = 0;
    if (DeviceName) {
        if (!DeviceName->Buffer || DeviceName->Length % sizeof(WCHAR) ||
            DeviceName->Length > DeviceName->MaximumLength)
            return STATUS_OBJECT_NAME_INVALID;
        name = DeviceName->Buffer;
        units = DeviceName->Length / sizeof(WCHAR);
        NTSTATUS s = check_name(name, units);
        if (!NT_SUCCESS(s))
            return s;
    } else if (DeviceCharacteristics & FILE_AUTOGENERATED_DEVICE_NAME) {
        char text[24];
        int n = snprintf(text, sizeof(text), "\\Device\\%08x", ++m->next_autogenerated_name);
        for (int i = 0; i < n; i++)
            generated[i] = (WCHAR)text[i];
        name = generated;
        units = (size_t)n;
    }
    if (name && find_named(m, name, units))
        return STATUS_OBJECT_NAME_COLLISION;

    /* The extension is 16-byte aligned in memory (MEMORY_ALLOCATION_ALIGNMENT on x64: it may
     * hold SLIST_HEADERs); the 15 spare bytes let it be wherever the body lands. */
    size_t name_bytes = units * sizeof(WCHAR);
    size_t ext_start = sizeof(IOP_DEVICE) + name_bytes + sizeof(WCHAR);
    IOP_DEVICE *d = ObpCreateObject(m, &IopDeviceObjectType,
                                    ext_start + 15 + (size_t)DeviceExtensionSize, delete_device);
    if (!d)
        return STATUS_INSUFFICIENT_RESOURCES;
    uintptr_t ext = align16((uintptr_t)d + ext_start);
    d->machine = m;
    d->driver = drv;
    if (units) {
        WCHAR *buf = (WCHAR *)(d + 1);
        memcpy(buf, name, name_bytes);
        buf[units] = 0;
        d->name.Buffer = buf;
        d->name.Length = (USHORT)name_bytes;
        d->name.MaximumLength = (USHORT)(name_bytes + sizeof(WCHAR));
    }
    InsertTailList(&m->devices, &d->link);
    IopPinDriver(drv);

    /* IO-DEV-1: what IoCreateDevice fills in. */
    PDEVICE_OBJECT o = &d->object;
    size_t size = sizeof(DEVICE_OBJECT) + DeviceExtensionSize;
    o->Type = IO_TYPE_DEVICE;
    o->Size = (USHORT)(size > 0xFFFF ? 0xFFFF : size);
    o->DriverObject = DriverObject;
    o->DeviceExtension = DeviceExtensionSize ? (void *)ext : NULL;
    o->DeviceType = DeviceType;
    o->Characteristics = DeviceCharacteristics & ~(ULONG)FILE_AUTOGENERATED_DEVICE_NAME;
    o->Flags =
        DO_DEVICE_INITIALIZING | (Exclusive ? DO_EXCLUSIVE : 0) | (units ? DO_DEVICE_HAS_NAME : 0);
    o->StackSize = 1;
    InitializeListHead(&o->DeviceQueue.DeviceListHead);
    KeInitializeEvent(&o->DeviceLock, SynchronizationEvent, TRUE);
    /* Newest first: the driver's list is what DriverUnload walks to delete them. */
    o->NextDevice = DriverObject->DeviceObject;
    DriverObject->DeviceObject = o;
    *DeviceObject = o;
    return STATUS_SUCCESS;
}

VOID IoDeleteDevice(PDEVICE_OBJECT DeviceObject)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !DeviceObject)
        return;
    if (!IopIrqlAtMost(m, APC_LEVEL, "IoDeleteDevice", DeviceObject, "IO-DEV-3"))
        return;
    if (!ObpIsLiveObject(m, DeviceObject) || DeviceObject->Type != IO_TYPE_DEVICE) {
        pssim__bugcheck(m, 0x18, 0, (ULONG_PTR)DeviceObject, 0, 0,
                        "IoDeleteDevice(%p): not a live device object (deleted already, or "
                        "never created by IoCreateDevice) (IO-DEV-3).",
                        (void *)DeviceObject);
        return;
    }
    IOP_DEVICE *d = (IOP_DEVICE *)DeviceObject;
    if (d->deleted) {
        /* Each IoDeleteDevice drops the creation reference: a second one would take a
         * reference that belongs to someone else (IO-DEV-3). */
        pssim__bugcheck(m, 0x18, 0, (ULONG_PTR)DeviceObject, 2, 0,
                        "IoDeleteDevice(%p) called a second time: the device is already deleted "
                        "and waits only for its outstanding references (IO-DEV-3). Fix: delete a "
                        "device exactly once.",
                        (void *)DeviceObject);
        return;
    }
    unlink_device(d); /* the name goes at once; the memory when the last reference goes */
    ObpDereference(m, DeviceObject);
}

/* ---- device stacks (IO-DEV-6) ---- */

PDEVICE_OBJECT IoGetAttachedDevice(PDEVICE_OBJECT DeviceObject)
{
    while (DeviceObject && DeviceObject->AttachedDevice)
        DeviceObject = DeviceObject->AttachedDevice;
    return DeviceObject;
}

PDEVICE_OBJECT IoGetAttachedDeviceReference(PDEVICE_OBJECT DeviceObject)
{
    PDEVICE_OBJECT top = IoGetAttachedDevice(DeviceObject);
    if (top)
        ObReferenceObject(top);
    return top;
}

PDEVICE_OBJECT IoGetLowerDeviceObject(PDEVICE_OBJECT DeviceObject)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || !DeviceObject || !ObpIsLiveObject(m, DeviceObject))
        return NULL;
    PDEVICE_OBJECT lower = ((IOP_DEVICE *)DeviceObject)->attached_to;
    if (lower)
        ObReferenceObject(lower); /* the caller dereferences it */
    return lower;
}

static NTSTATUS attach(PDEVICE_OBJECT source, PDEVICE_OBJECT target, PDEVICE_OBJECT *below)
{
    *below = NULL;
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked)
        return STATUS_NO_SUCH_DEVICE;
    if (!IopIrqlAtMost(m, DISPATCH_LEVEL, "IoAttachDeviceToDeviceStack", source, "IO-DEV-6"))
        return STATUS_NO_SUCH_DEVICE;
    if (!source || !target || !ObpIsLiveObject(m, source) || !ObpIsLiveObject(m, target) ||
        source->Type != IO_TYPE_DEVICE || target->Type != IO_TYPE_DEVICE)
        return STATUS_INVALID_PARAMETER;
    PDEVICE_OBJECT top = IoGetAttachedDevice(target);
    IOP_DEVICE *t = (IOP_DEVICE *)top;
    pssim_driver *drv = IopDriverOfObject(m, top->DriverObject);
    /* A stack whose top is being deleted or whose driver is unloading takes no new device. */
    if (t->deleted || !drv || drv->unload_ran || top == source)
        return STATUS_NO_SUCH_DEVICE;
    top->AttachedDevice = source;
    ((IOP_DEVICE *)source)->attached_to = top;
    source->StackSize = (CCHAR)(top->StackSize + 1);
    if (source->AlignmentRequirement < top->AlignmentRequirement)
        source->AlignmentRequirement = top->AlignmentRequirement;
    source->SectorSize = top->SectorSize;
    *below = top;
    return STATUS_SUCCESS;
}

PDEVICE_OBJECT IoAttachDeviceToDeviceStack(PDEVICE_OBJECT SourceDevice, PDEVICE_OBJECT TargetDevice)
{
    PDEVICE_OBJECT below;
    attach(SourceDevice, TargetDevice, &below);
    return below;
}

NTSTATUS IoAttachDeviceToDeviceStackSafe(PDEVICE_OBJECT SourceDevice, PDEVICE_OBJECT TargetDevice,
                                         PDEVICE_OBJECT *AttachedToDeviceObject)
{
    PDEVICE_OBJECT below;
    NTSTATUS st = attach(SourceDevice, TargetDevice, &below);
    if (AttachedToDeviceObject)
        *AttachedToDeviceObject = below;
    return NT_SUCCESS(st) ? st : STATUS_NO_SUCH_DEVICE;
}

VOID IoDetachDevice(PDEVICE_OBJECT TargetDevice)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !TargetDevice || !ObpIsLiveObject(m, TargetDevice))
        return;
    PDEVICE_OBJECT upper = TargetDevice->AttachedDevice;
    if (upper && ObpIsLiveObject(m, upper))
        ((IOP_DEVICE *)upper)->attached_to = NULL;
    TargetDevice->AttachedDevice = NULL;
}
