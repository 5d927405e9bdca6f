/* driver.c: loading and unloading drivers (api-contract "Drivers"). */
#include <stdio.h>
#include <string.h>

#include "cm/cm.h"
#include "core/alloc.h"
#include "core/machine.h"
#include "io/io.h"

#define DRIVER_IMAGE_BASE 0xFFFFF80100000000ULL
#define DRIVER_IMAGE_SIZE 0x20000ULL

static pssim_driver *find_driver(pssim_machine *m, PDRIVER_OBJECT object)
{
    for (LIST_ENTRY *e = m->drivers.Flink; e != &m->drivers; e = e->Flink) {
        pssim_driver *d = CONTAINING_RECORD(e, pssim_driver, link);
        if (d->object == object)
            return d;
    }
    return NULL;
}

pssim_driver *IopDriverOfObject(pssim_machine *m, PDRIVER_OBJECT object)
{
    return object ? find_driver(m, object) : NULL;
}

void IopPinDriver(pssim_driver *drv)
{
    drv->pins++;
}

/* The image goes: what the driver still holds is leaked now, not at DriverUnload, because a
 * pinned driver's code (a close dispatch, an I/O work item) may still free it (BUGCHECK-3). */
static void image_gone(pssim_driver *drv)
{
    drv->unloaded = true;
    pssim__verifier_image_unloaded(drv->machine, drv);
}

/* IO-DEV-4: the image goes when DriverUnload has run and nothing pins it any more. */
static void finish_unload_if_free(pssim_driver *drv)
{
    if (drv->unload_ran && drv->pins == 0 && !drv->unloaded)
        image_gone(drv);
}

void IopUnpinDriver(pssim_driver *drv)
{
    drv->pins--;
    finish_unload_if_free(drv);
}

void IopDriverUnloadRan(pssim_driver *drv)
{
    drv->unload_ran = true;
    finish_unload_if_free(drv);
}

static bool valid_name(const char *name)
{
    if (!name || !name[0] || strlen(name) >= sizeof(((pssim_driver *)0)->name))
        return false;
    for (const char *c = name; *c; c++)
        if (*c == '\\' || *c == '/' || (unsigned char)*c < 0x20)
            return false;
    return true;
}

typedef struct load_args {
    PDRIVER_INITIALIZE entry;
    const char *name;
    uint32_t flags;
    PDRIVER_OBJECT *out;
    pssim_driver *drv;
    NTSTATUS entry_status;
} load_args;

static void driver_image_loaded(void *arg)
{
    load_args *a = arg;
    pssim_machine *m = a->drv->machine;
    char path[160];
    snprintf(path, sizeof(path), "\\SystemRoot\\System32\\drivers\\%s.sys", a->name);
    if (!PspMakeUnicodeString(path, strlen(path), &m->scratch_name))
        return;
    uint64_t index = 0;
    for (LIST_ENTRY *e = m->drivers.Flink; e != &m->drivers; e = e->Flink)
        index++;
    /* IMAGE-NOTIFY-3: a driver image: ProcessId 0, SystemModeImage 1. */
    PspCallImageNotifyRoutines(m, &m->scratch_name, NULL, DRIVER_IMAGE_BASE + index * 0x100000,
                               DRIVER_IMAGE_SIZE, true, NULL, false);
    PspFreeUnicodeString(&m->scratch_name);
}

static void run_driver_entry(void *arg)
{
    load_args *a = arg;
    pssim_machine *m = a->drv->machine;
    PETHREAD t = m->current_thread;
    t->irql = PASSIVE_LEVEL;
    PSSIM_WITH_DRIVER(m, a->drv,
                      { a->entry_status = a->entry(a->drv->object, &a->drv->registry_path); });
}

static void delete_driver_object(void *body)
{
    (void)body; /* names live in the driver record */
}

static NTSTATUS load_body(pssim_machine *m, void *arg)
{
    load_args *a = arg;
    for (LIST_ENTRY *e = m->drivers.Flink; e != &m->drivers; e = e->Flink) {
        pssim_driver *d = CONTAINING_RECORD(e, pssim_driver, link);
        if (!d->unloaded && strcmp(d->name, a->name) == 0)
            return STATUS_IMAGE_ALREADY_LOADED;
    }
    pssim_driver *drv = pssim__alloc(sizeof(*drv));
    if (!drv)
        return STATUS_INSUFFICIENT_RESOURCES;
    drv->machine = m;
    drv->flags = a->flags;
    drv->id = 1;
    for (LIST_ENTRY *e = m->drivers.Flink; e != &m->drivers; e = e->Flink)
        drv->id++;
    snprintf(drv->name, sizeof(drv->name), "%s", a->name);
    InsertTailList(&m->drivers, &drv->link);
    char buf[192];
    snprintf(buf, sizeof(buf), "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\%s",
             a->name);
    PDRIVER_OBJECT obj =
        ObpCreateObject(m, &IopDriverObjectType, sizeof(DRIVER_OBJECT) + 160, delete_driver_object);
    if (!obj || !PspMakeUnicodeString(buf, strlen(buf), &drv->registry_path)) {
        if (obj)
            ObpDereference(m, obj);
        drv->unloaded = true;
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    /* REG-9: the service key RegistryPath names exists before DriverEntry reads it. */
    NTSTATUS reg = CmpCreateServiceKey(m, &drv->registry_path);
    if (!NT_SUCCESS(reg)) {
        ObpDereference(m, obj);
        drv->unloaded = true;
        return reg;
    }
    drv->object = obj;
    obj->Type = IO_TYPE_DRIVER;
    obj->Size = (CSHORT)sizeof(DRIVER_OBJECT);
    obj->DriverInit = a->entry;
    obj->DriverStart = (PVOID)(uintptr_t)DRIVER_IMAGE_BASE;
    obj->DriverSize = (ULONG)DRIVER_IMAGE_SIZE;
    drv->extension.DriverObject = obj;
    obj->DriverExtension = &drv->extension;
    /* DriverName ("\Driver\name") is stored right after the object, in the same block. */
    WCHAR *name_buf = (WCHAR *)(obj + 1);
    size_t max_units = 160 / sizeof(WCHAR);
    size_t n = 0;
    const char *prefix = "\\Driver\\";
    for (const char *c = prefix; *c && n + 1 < max_units; c++)
        name_buf[n++] = (WCHAR)*c;
    for (const char *c = a->name; *c && n + 1 < max_units; c++)
        name_buf[n++] = (WCHAR)(unsigned char)*c;
    name_buf[n] = 0;
    obj->DriverName.Buffer = name_buf;
    obj->DriverName.Length = (USHORT)(n * sizeof(WCHAR));
    obj->DriverName.MaximumLength = (USHORT)((n + 1) * sizeof(WCHAR));
    drv->extension.ServiceKeyName.Buffer = name_buf + 8;
    drv->extension.ServiceKeyName.Length = (USHORT)((n - 8) * sizeof(WCHAR));
    drv->extension.ServiceKeyName.MaximumLength = drv->extension.ServiceKeyName.Length;

    a->drv = drv;
    pssim__advance(m, m->cfg.event_cost_ns);
    /* The image notification for the driver image, then DriverEntry, both on an existing
     * System thread, so loading raises no thread notification (api-contract). */
    PspRunOnThread(m, m->system_thread, driver_image_loaded, a);
    PspRunOnThread(m, m->system_thread, run_driver_entry, a);
    if (!NT_SUCCESS(a->entry_status)) {
        /* A failing DriverEntry leaves no driver loaded; anything it left registered now
         * points into unloaded code, exactly as on Windows, and what it allocated is leaked. */
        image_gone(drv);
        return a->entry_status;
    }
    /* IO-DEV-5: devices created in DriverEntry are ready once it returns. */
    for (PDEVICE_OBJECT d = obj->DeviceObject; d; d = d->NextDevice)
        d->Flags &= ~(ULONG)DO_DEVICE_INITIALIZING;
    if (a->out)
        *a->out = obj;
    return STATUS_SUCCESS;
}

NTSTATUS pssim_driver_load(pssim_machine *m, PDRIVER_INITIALIZE entry, const char *name,
                           uint32_t flags, PDRIVER_OBJECT *out)
{
    if (out)
        *out = NULL;
    if (!m || !entry || !valid_name(name) || (flags & ~(uint32_t)PSSIM_DRIVER_FORCE_INTEGRITY))
        return STATUS_INVALID_PARAMETER;
    load_args a = {entry, name, flags, out, NULL, STATUS_SUCCESS};
    return pssim__control_call(m, load_body, &a);
}

typedef struct unload_args {
    PDRIVER_OBJECT object;
    pssim_driver *drv;
} unload_args;

static void run_unload(void *arg)
{
    unload_args *a = arg;
    pssim_machine *m = a->drv->machine;
    PSSIM_WITH_DRIVER(m, a->drv, { a->object->DriverUnload(a->object); });
}

static NTSTATUS unload_body(pssim_machine *m, void *arg)
{
    unload_args *a = arg;
    a->drv = find_driver(m, a->object);
    if (!a->drv || a->drv->unloaded)
        return STATUS_INVALID_PARAMETER;
    if (a->drv->unload_ran)
        return STATUS_DELETE_PENDING; /* unloaded, waiting for its devices (IO-DEV-4) */
    if (!a->object->DriverUnload)
        return STATUS_INVALID_DEVICE_REQUEST; /* a driver without DriverUnload stays loaded */
    PspRunOnThread(m, m->system_thread, run_unload, a);
    pssim__verifier_unload_checks(m, a->drv);
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    IopDriverUnloadRan(a->drv);
    pssim__advance(m, m->cfg.event_cost_ns);
    return STATUS_SUCCESS;
}

NTSTATUS pssim_driver_unload(pssim_machine *m, PDRIVER_OBJECT driver)
{
    if (!m || !driver)
        return STATUS_INVALID_PARAMETER;
    unload_args a = {driver, NULL};
    return pssim__control_call(m, unload_body, &a);
}
