/* filter.c: minifilter registration, FltStartFiltering, FltUnregisterFilter and the unload of a
 * minifilter by a service stop (docs/filter-ports.md FLTPORT-1..4). There is no file-system I/O:
 * the operation, instance and context callbacks of a registration are kept and never called. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "flt/flt.h"
#include "io/io.h"
#include "platform/platform.h"

#define FLTP_SECURITY_TAG 'SltF' /* "FltS": default security descriptors (FLTPORT-4) */

struct _FLT_FILTER {
    LIST_ENTRY link;
    pssim_driver *drv;
    PDRIVER_OBJECT driver_object;
    FLT_REGISTRATION reg; /* the caller's, copied (Size bytes at most) */
    bool started;
    bool unload_called; /* the service stop has called FilterUnloadCallback */
};

FLTP_STATE *FltpState(pssim_machine *m)
{
    if (!m->flt) {
        m->flt = pssim__alloc(sizeof(*m->flt));
        if (!m->flt)
            return NULL;
        InitializeListHead(&m->flt->filters);
        InitializeListHead(&m->flt->servers);
        InitializeListHead(&m->flt->clients);
    }
    return m->flt;
}

PFLT_FILTER FltpLookupFilter(pssim_machine *m, PFLT_FILTER filter)
{
    if (!m->flt || !filter)
        return NULL;
    for (LIST_ENTRY *e = m->flt->filters.Flink; e != &m->flt->filters; e = e->Flink)
        if (CONTAINING_RECORD(e, struct _FLT_FILTER, link) == filter)
            return filter;
    return NULL;
}

pssim_driver *FltpFilterDriver(PFLT_FILTER filter)
{
    return filter->drv;
}

uint32_t FltpCountFiltersOf(pssim_machine *m, pssim_driver *drv)
{
    uint32_t n = 0;
    if (!m || !m->flt)
        return 0;
    for (LIST_ENTRY *e = m->flt->filters.Flink; e != &m->flt->filters; e = e->Flink)
        if (CONTAINING_RECORD(e, struct _FLT_FILTER, link)->drv == drv)
            n++;
    return n;
}

bool FltpDriverLoaded(pssim_machine *m, pssim_driver *drv, const void *routine, const char *what)
{
    if (!drv || !drv->unloaded)
        return true;
    char who[128];
    pssim__platform_describe_address(routine, who, sizeof(who));
    pssim__bugcheck(m, 0xCE, (ULONG_PTR)routine, 0, (ULONG_PTR)routine, 0,
                    "driver '%s' was unloaded with its minifilter still registered; the Filter "
                    "Manager called its %s %s in the unloaded driver's code (FLTPORT-3, "
                    "BUGCHECK-3). Fix: close the ports and call FltUnregisterFilter in the "
                    "FilterUnloadCallback.",
                    drv->name, what, who);
    return false;
}

/* FLTPORT-2: the Filter Manager's DriverUnload of a minifilter. A service stop is a mandatory
 * unload: FilterUnloadCallback is called with FLTFL_FILTER_UNLOAD_MANDATORY and the driver
 * unloads whatever it returns. */
static VOID fltp_driver_unload(PDRIVER_OBJECT DriverObject)
{
    pssim_machine *m = pssim__machine_in_force();
    if (!m || !m->flt)
        return;
    for (;;) {
        PFLT_FILTER f = NULL;
        for (LIST_ENTRY *e = m->flt->filters.Flink; e != &m->flt->filters; e = e->Flink) {
            PFLT_FILTER g = CONTAINING_RECORD(e, struct _FLT_FILTER, link);
            if (g->driver_object == DriverObject && g->reg.FilterUnloadCallback &&
                !g->unload_called) {
                f = g;
                break;
            }
        }
        if (!f || m->bugchecked)
            return;
        f->unload_called = true;
        /* The callback usually unregisters the filter, which frees f: nothing of f after it. */
        (void)f->reg.FilterUnloadCallback(FLTFL_FILTER_UNLOAD_MANDATORY);
    }
}

NTSTATUS FLTAPI FltRegisterFilter(PDRIVER_OBJECT Driver, const FLT_REGISTRATION *Registration,
                                  PFLT_FILTER *RetFilter)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!IopIrqlAtMost(m, APC_LEVEL, "FltRegisterFilter", Driver, "FLTPORT-1"))
        return PSSIM_STATUS_BUGCHECK;
    if (!RetFilter || !Registration)
        return STATUS_INVALID_PARAMETER;
    *RetFilter = NULL;
    pssim_driver *drv = IopDriverOfObject(m, Driver);
    if (!drv || drv->unloaded || drv->unload_ran)
        return STATUS_INVALID_PARAMETER;
    /* FLTPORT-1: the major version must be 2; the layout must reach the 2.00 members. */
    size_t v200 = offsetof(FLT_REGISTRATION, TransactionNotificationCallback);
    if ((Registration->Version & 0xFF00) != 0x0200 || Registration->Size < v200)
        return STATUS_INVALID_PARAMETER;
    FLTP_STATE *s = FltpState(m);
    PFLT_FILTER f = s ? pssim__alloc(sizeof(*f)) : NULL;
    if (!f)
        return STATUS_INSUFFICIENT_RESOURCES;
    size_t n = Registration->Size < sizeof(f->reg) ? Registration->Size : sizeof(f->reg);
    memcpy(&f->reg, Registration, n);
    f->drv = drv;
    f->driver_object = Driver;
    InsertTailList(&s->filters, &f->link);
    /* FLTPORT-2: a service stop reaches the minifilter through the Filter Manager. */
    if (f->reg.FilterUnloadCallback &&
        !(f->reg.Flags & FLTFL_REGISTRATION_DO_NOT_SUPPORT_SERVICE_STOP) && !Driver->DriverUnload)
        Driver->DriverUnload = fltp_driver_unload;
    *RetFilter = f;
    return STATUS_SUCCESS;
}

NTSTATUS FLTAPI FltStartFiltering(PFLT_FILTER Filter)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!IopIrqlAtMost(m, APC_LEVEL, "FltStartFiltering", Filter, "FLTPORT-1"))
        return PSSIM_STATUS_BUGCHECK;
    PFLT_FILTER f = FltpLookupFilter(m, Filter);
    if (!f || f->started)
        return STATUS_INVALID_PARAMETER; /* [D] already started */
    f->started = true; /* no volumes to attach to: InstanceSetupCallback is never called */
    return STATUS_SUCCESS;
}

VOID FLTAPI FltUnregisterFilter(PFLT_FILTER Filter)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked)
        return;
    if (!IopIrqlAtMost(m, APC_LEVEL, "FltUnregisterFilter", Filter, "FLTPORT-3"))
        return;
    PFLT_FILTER f = FltpLookupFilter(m, Filter);
    if (!f) {
        pssim__bugcheck(m, 0x18, 0, (ULONG_PTR)Filter, 0, 0,
                        "FltUnregisterFilter(%p): not a registered filter (unregistered twice, "
                        "or not the pointer FltRegisterFilter returned) (FLTPORT-3).",
                        (void *)Filter);
        return;
    }
    FltpClosePortsOf(m, f);
    if (m->bugchecked)
        return;
    if (f->driver_object->DriverUnload == fltp_driver_unload && !f->unload_called)
        f->driver_object->DriverUnload = NULL; /* unregistered outside a service stop */
    RemoveEntryList(&f->link);
    pssim__free(f);
}

NTSTATUS FLTAPI FltBuildDefaultSecurityDescriptor(PSECURITY_DESCRIPTOR *SecurityDescriptor,
                                                  ACCESS_MASK DesiredAccess)
{
    (void)DesiredAccess; /* pssim checks no access to ports (FLTPORT-4) */
    pssim_machine *m = pssim__current_machine();
    if (!m || !SecurityDescriptor)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!IopIrqlAtMost(m, APC_LEVEL, "FltBuildDefaultSecurityDescriptor", SecurityDescriptor,
                       "FLTPORT-4"))
        return PSSIM_STATUS_BUGCHECK;
    /* The size of a self-relative descriptor header; its contents mean nothing to pssim. */
    *SecurityDescriptor = ExAllocatePool2(POOL_FLAG_PAGED, 20, FLTP_SECURITY_TAG);
    return *SecurityDescriptor ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

VOID FLTAPI FltFreeSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor)
{
    if (SecurityDescriptor)
        ExFreePoolWithTag(SecurityDescriptor, FLTP_SECURITY_TAG);
}
