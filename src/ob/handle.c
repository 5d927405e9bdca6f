/* handle.c: kernel and per-process handle tables, ZwClose and reference-by-handle (OB-6, QUERY-7).
 */
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "ob/ob.h"

#define HANDLE_VALUE(index) ((ULONG_PTR)((index) + 1) * 4u)

static HANDLE_TABLE *table_for(pssim_machine *m, PEPROCESS process, bool kernel)
{
    if (kernel)
        return &m->kernel_handles;
    return &process->handles;
}

NTSTATUS ObpInsertHandle(pssim_machine *m, PEPROCESS owner, bool kernel, void *object,
                         ACCESS_MASK granted, ULONG attributes, HANDLE *out)
{
    /* OBCB-7: process and thread handles run the ObRegisterCallbacks callbacks (callbacks.c). */
    return ObpInsertHandleFiltered(m, OB_OPERATION_HANDLE_CREATE, NULL, owner, kernel, object,
                                   granted, attributes, out);
}

NTSTATUS ObpInsertHandleRaw(pssim_machine *m, PEPROCESS owner, bool kernel, void *object,
                            ACCESS_MASK granted, ULONG attributes, HANDLE *out)
{
    HANDLE_TABLE *t = kernel ? &m->kernel_handles : &owner->handles;
    if (t->used == t->capacity) {
        uint32_t cap = t->capacity ? t->capacity * 2 : 16;
        HANDLE_TABLE_ENTRY *e = pssim__alloc(sizeof(*e) * cap);
        if (!e)
            return STATUS_INSUFFICIENT_RESOURCES;
        if (t->capacity)
            memcpy(e, t->entries, sizeof(*e) * t->capacity);
        pssim__free(t->entries);
        t->entries = e;
        t->free_hint = t->capacity;
        t->capacity = cap;
    }
    uint32_t i = t->free_hint;
    while (t->entries[i].object)
        i = (i + 1) % t->capacity;
    t->entries[i].object = object;
    t->entries[i].granted = granted;
    t->entries[i].attributes = attributes;
    t->used++;
    t->free_hint = (i + 1) % t->capacity;
    OBJECT_HEADER *h = OBJECT_TO_OBJECT_HEADER(object);
    h->pointer_count++; /* OB-2: a handle is a reference */
    h->handle_count++;
    ULONG_PTR value = HANDLE_VALUE(i);
    if (kernel)
        value |= OBP_KERNEL_HANDLE_FLAG;
    *out = (HANDLE)value;
    return STATUS_SUCCESS;
}

HANDLE_TABLE_ENTRY *ObpLookupHandle(pssim_machine *m, HANDLE h)
{
    return ObpLookupHandleIn(m, m->current_thread->process, h);
}

HANDLE_TABLE_ENTRY *ObpLookupHandleIn(pssim_machine *m, PEPROCESS process, HANDLE h)
{
    ULONG_PTR v = (ULONG_PTR)h;
    bool kernel = (v & OBP_KERNEL_HANDLE_FLAG) != 0;
    v &= ~OBP_KERNEL_HANDLE_FLAG;
    if (v == 0 || v % 4 != 0)
        return NULL;
    HANDLE_TABLE *t = table_for(m, process, kernel);
    ULONG_PTR index = v / 4 - 1;
    if (index >= t->capacity || !t->entries[index].object)
        return NULL;
    return &t->entries[index];
}

static void drop_entry(pssim_machine *m, HANDLE_TABLE *t, HANDLE_TABLE_ENTRY *e)
{
    void *o = e->object;
    e->object = NULL;
    t->used--;
    OBJECT_TO_OBJECT_HEADER(o)->handle_count--;
    ObpDereference(m, o);
}

NTSTATUS ObpCloseHandle(pssim_machine *m, HANDLE h)
{
    return ObpCloseHandleIn(m, m->current_thread->process, h);
}

NTSTATUS ObpCloseHandleIn(pssim_machine *m, PEPROCESS process, HANDLE h)
{
    HANDLE_TABLE_ENTRY *e = ObpLookupHandleIn(m, process, h);
    if (!e)
        return STATUS_INVALID_HANDLE;
    bool kernel = ((ULONG_PTR)h & OBP_KERNEL_HANDLE_FLAG) != 0;
    drop_entry(m, table_for(m, process, kernel), e);
    return STATUS_SUCCESS;
}

void ObpSweepHandleTable(pssim_machine *m, HANDLE_TABLE *t)
{
    for (uint32_t i = 0; i < t->capacity && t->used; i++)
        if (t->entries[i].object)
            drop_entry(m, t, &t->entries[i]);
}

void ObpDestroyHandleTable(pssim_machine *m, HANDLE_TABLE *t)
{
    (void)m;
    pssim__free(t->entries);
    memset(t, 0, sizeof(*t));
}

NTSTATUS NtClose(HANDLE Handle)
{
    return ZwClose(Handle);
}

NTSTATUS ZwClose(HANDLE Handle)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_HANDLE;
    if (Handle == NtCurrentProcess() || Handle == NtCurrentThread())
        return STATUS_SUCCESS; /* pseudo handles close as a no-op */
    NTSTATUS st = ObpCloseHandle(m, Handle);
    if (st == STATUS_INVALID_HANDLE && ((ULONG_PTR)Handle & OBP_KERNEL_HANDLE_FLAG)) {
        /* A kernel-mode close of a bad kernel handle stops Windows (0x93, P2 = 1 invalid). */
        pssim__bugcheck(m, 0x93, (ULONG_PTR)Handle, 1, 0, 0,
                        "ZwClose(%p): not an open kernel handle (closed twice, or never "
                        "opened). Fix: close each handle exactly once.",
                        Handle);
    }
    return st;
}

/* Maps GENERIC_* and MAXIMUM_ALLOWED onto the type's specific rights. */
ACCESS_MASK ObpMapAccess(POBJECT_TYPE type, ACCESS_MASK desired)
{
    ACCESS_MASK out =
        desired & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL | MAXIMUM_ALLOWED);
    if (desired & GENERIC_READ)
        out |= type->mapping.GenericRead;
    if (desired & GENERIC_WRITE)
        out |= type->mapping.GenericWrite;
    if (desired & GENERIC_EXECUTE)
        out |= type->mapping.GenericExecute;
    if (desired & (GENERIC_ALL | MAXIMUM_ALLOWED))
        out |= type->mapping.GenericAll;
    return out;
}

NTSTATUS ObpReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                    POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                    PVOID *Object, POBJECT_HANDLE_INFORMATION HandleInformation)
{
    pssim_machine *m = pssim__current_machine();
    if (!Object)
        return STATUS_INVALID_PARAMETER;
    *Object = NULL;
    if (!m)
        return STATUS_INVALID_HANDLE;
    if (AccessMode != KernelMode && AccessMode != UserMode)
        return STATUS_INVALID_PARAMETER;
    void *o;
    ACCESS_MASK granted;
    PETHREAD cur = m->current_thread;
    if (Handle == NtCurrentProcess() || Handle == NtCurrentThread()) {
        o = Handle == NtCurrentProcess() ? (void *)cur->process : (void *)cur;
        granted = Handle == NtCurrentProcess() ? PROCESS_ALL_ACCESS : THREAD_ALL_ACCESS;
    } else {
        /* User-mode callers cannot use kernel handles (OB-6). */
        if (AccessMode == UserMode && ((ULONG_PTR)Handle & OBP_KERNEL_HANDLE_FLAG))
            return STATUS_INVALID_HANDLE;
        HANDLE_TABLE_ENTRY *e = ObpLookupHandle(m, Handle);
        if (!e)
            return STATUS_INVALID_HANDLE;
        o = e->object;
        granted = e->granted;
    }
    if (ObjectType && OBJECT_TO_OBJECT_HEADER(o)->type != ObjectType)
        return STATUS_OBJECT_TYPE_MISMATCH;
    if (AccessMode == UserMode) {
        ACCESS_MASK want = ObpMapAccess(OBJECT_TO_OBJECT_HEADER(o)->type, DesiredAccess);
        if ((want & ~granted) != 0)
            return STATUS_ACCESS_DENIED;
    }
    ObpReference(o);
    *Object = o;
    if (HandleInformation) {
        HandleInformation->GrantedAccess = granted;
        HandleInformation->HandleAttributes = 0;
    }
    return STATUS_SUCCESS;
}

NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                   POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                   PVOID *Object, POBJECT_HANDLE_INFORMATION HandleInformation)
{
    NTSTATUS st = ObpReferenceObjectByHandle(Handle, DesiredAccess, ObjectType, AccessMode, Object,
                                             HandleInformation);
    if (NT_SUCCESS(st))
        pssim__verifier_ref_taken(pssim__machine_in_force(), *Object);
    return st;
}

NTSTATUS ObReferenceObjectByHandleWithTag(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                          POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                          ULONG Tag, PVOID *Object,
                                          POBJECT_HANDLE_INFORMATION HandleInformation)
{
    (void)Tag;
    return ObReferenceObjectByHandle(Handle, DesiredAccess, ObjectType, AccessMode, Object,
                                     HandleInformation);
}

NTSTATUS ObOpenObjectByPointer(PVOID Object, ULONG HandleAttributes,
                               PACCESS_STATE PassedAccessState, ACCESS_MASK DesiredAccess,
                               POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode, PHANDLE Handle)
{
    (void)PassedAccessState;
    pssim_machine *m = pssim__current_machine();
    if (!Handle)
        return STATUS_INVALID_PARAMETER;
    *Handle = NULL;
    if (!ObpIsLiveObject(m, Object))
        return STATUS_INVALID_PARAMETER;
    if (HandleAttributes & ~(ULONG)OBJ_VALID_ATTRIBUTES)
        return STATUS_INVALID_PARAMETER;
    if (AccessMode != KernelMode && AccessMode != UserMode)
        return STATUS_INVALID_PARAMETER;
    POBJECT_TYPE type = OBJECT_TO_OBJECT_HEADER(Object)->type;
    if (ObjectType && type != ObjectType)
        return STATUS_OBJECT_TYPE_MISMATCH;
    bool kernel = (HandleAttributes & OBJ_KERNEL_HANDLE) != 0 && AccessMode == KernelMode;
    return ObpInsertHandle(m, m->current_thread->process, kernel, Object,
                           ObpMapAccess(type, DesiredAccess), HandleAttributes, Handle);
}
