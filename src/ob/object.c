/* object.c: object creation, reference counting and deletion (OB-1..4). */
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "ke/ke.h"
#include "core/ptr_set.h"
#include "ob/ob.h"

struct _OBJECT_TYPE PspProcessObjectType = {
    PSSIM_OBJECT_PROCESS,
    "Process",
    {STANDARD_RIGHTS_READ | PROCESS_VM_READ | PROCESS_QUERY_INFORMATION,
     STANDARD_RIGHTS_WRITE | PROCESS_CREATE_PROCESS | PROCESS_CREATE_THREAD | PROCESS_VM_OPERATION |
         PROCESS_VM_WRITE | PROCESS_DUP_HANDLE | PROCESS_TERMINATE | PROCESS_SET_QUOTA |
         PROCESS_SET_INFORMATION | PROCESS_SUSPEND_RESUME,
     STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_TERMINATE,
     PROCESS_ALL_ACCESS},
    PROCESS_ALL_ACCESS};
struct _OBJECT_TYPE PspThreadObjectType = {
    PSSIM_OBJECT_THREAD,
    "Thread",
    {STANDARD_RIGHTS_READ | THREAD_GET_CONTEXT | THREAD_QUERY_INFORMATION,
     STANDARD_RIGHTS_WRITE | THREAD_TERMINATE | THREAD_SUSPEND_RESUME | THREAD_ALERT |
         THREAD_SET_INFORMATION | THREAD_SET_CONTEXT,
     STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, THREAD_ALL_ACCESS},
    THREAD_ALL_ACCESS};
struct _OBJECT_TYPE IopFileObjectType = {PSSIM_OBJECT_FILE, "File", {0, 0, 0, 0x1F01FF}, 0x1F01FF};
struct _OBJECT_TYPE IopDriverObjectType = {
    PSSIM_OBJECT_DRIVER, "Driver", {0, 0, 0, 0x1F0001}, 0x1F0001};
struct _OBJECT_TYPE IopDeviceObjectType = {
    PSSIM_OBJECT_DEVICE, "Device", {0, 0, 0, 0x1F01FF}, 0x1F01FF};
struct _OBJECT_TYPE CmpKeyObjectType = {
    PSSIM_OBJECT_KEY, "Key", {KEY_READ, KEY_WRITE, KEY_EXECUTE, KEY_ALL_ACCESS}, KEY_ALL_ACCESS};

static POBJECT_TYPE process_type_ptr = &PspProcessObjectType;
static POBJECT_TYPE thread_type_ptr = &PspThreadObjectType;
static POBJECT_TYPE file_type_ptr = &IopFileObjectType;
static POBJECT_TYPE driver_type_ptr = &IopDriverObjectType;
static POBJECT_TYPE device_type_ptr = &IopDeviceObjectType;
static POBJECT_TYPE key_type_ptr = &CmpKeyObjectType;
NTKERNELAPI POBJECT_TYPE *PsProcessType = &process_type_ptr;
NTKERNELAPI POBJECT_TYPE *PsThreadType = &thread_type_ptr;
NTKERNELAPI POBJECT_TYPE *IoFileObjectType = &file_type_ptr;
NTKERNELAPI POBJECT_TYPE *IoDriverObjectType = &driver_type_ptr;
NTKERNELAPI POBJECT_TYPE *IoDeviceObjectType = &device_type_ptr;
NTKERNELAPI POBJECT_TYPE *CmKeyObjectType = &key_type_ptr;

void *ObpCreateObject(pssim_machine *m, POBJECT_TYPE type, size_t body_size,
                      pssim_object_delete_fn delete_fn)
{
    size_t size = (sizeof(OBJECT_HEADER) + body_size + 15) & ~(size_t)15;
    size_t cls = size / 16;
    OBJECT_HEADER *h;
    if (cls < PSSIM_OBJECT_CACHE_CLASSES && m->object_cache[cls]) {
        h = m->object_cache[cls];
        m->object_cache[cls] = *(void **)h;
        m->object_cache_count[cls]--;
        memset(h, 0, size);
    } else {
        h = pssim__alloc(size);
        if (!h)
            return NULL;
    }
    h->alloc_size = (uint32_t)size;
    void *body = OBJECT_HEADER_TO_BODY(h);
    if (!pssim__ptr_set_add(m->live_set, body)) {
        pssim__free(h);
        return NULL;
    }
    h->type = type;
    h->pointer_count = 1;
    h->delete_fn = delete_fn;
    InsertTailList(&m->all_objects, &h->all_link);
    return body;
}

bool ObpIsLiveObject(pssim_machine *m, const void *o)
{
    return m && o && pssim__ptr_set_contains(m->live_set, o);
}

static void release_memory(pssim_machine *m, OBJECT_HEADER *h)
{
    /* Poison and park the memory; what falls out of the quarantine ring is kept for reuse by
     * the next object of its size class, or freed when that class has enough. */
    h->type = NULL;
    OBJECT_HEADER *evicted = m->quarantine[m->quarantine_next];
    m->quarantine[m->quarantine_next] = h;
    m->quarantine_next =
        (m->quarantine_next + 1) % (uint32_t)(sizeof(m->quarantine) / sizeof(m->quarantine[0]));
    if (!evicted)
        return;
    size_t cls = evicted->alloc_size / 16;
    if (cls < PSSIM_OBJECT_CACHE_CLASSES && m->object_cache_count[cls] < PSSIM_OBJECT_CACHE_DEPTH) {
        *(void **)evicted = m->object_cache[cls];
        m->object_cache[cls] = evicted;
        m->object_cache_count[cls]++;
    } else {
        pssim__free(evicted);
    }
}

static void delete_object(pssim_machine *m, void *o)
{
    OBJECT_HEADER *h = OBJECT_TO_OBJECT_HEADER(o);
    h->deleting = true;
    pssim__ptr_set_remove(m->live_set, o);
    if (m->verifier.refs) /* some driver took a reference through the WDK (BUGCHECK-3) */
        pssim__verifier_object_deleted(m, o);
    if (h->delete_fn)
        h->delete_fn(o);
    RemoveEntryList(&h->all_link);
    release_memory(m, h);
}

void ObpReference(void *o)
{
    OBJECT_TO_OBJECT_HEADER(o)->pointer_count++;
}

void ObpDereference(pssim_machine *m, void *o)
{
    if (!ObpIsLiveObject(m, o)) {
        /* OB-3: one dereference too many. The object is gone; say so instead of corrupting. */
        pssim__bugcheck(m, 0x18, 0, (ULONG_PTR)o, 0, 0,
                        "ObDereferenceObject(%p): the object's last reference is already gone "
                        "(one dereference too many, or a pointer kept without "
                        "ObReferenceObject). Fix: balance every ObReferenceObject / PsLookup* "
                        "with exactly one ObDereferenceObject.",
                        o);
        return;
    }
    OBJECT_HEADER *h = OBJECT_TO_OBJECT_HEADER(o);
    if (--h->pointer_count == 0)
        delete_object(m, o);
}

void ObpDestroyAllObjects(pssim_machine *m)
{
    /* Break every link first: delete routines must not chase objects freed before them. */
    while (!IsListEmpty(&m->all_objects)) {
        OBJECT_HEADER *h =
            CONTAINING_RECORD(RemoveHeadList(&m->all_objects), OBJECT_HEADER, all_link);
        void *o = OBJECT_HEADER_TO_BODY(h);
        if (h->type == &PspProcessObjectType) {
            PEPROCESS p = o;
            PspFreeUnicodeString(&p->command_line);
            ObpDestroyHandleTable(m, &p->handles);
        } else if (h->type == &PspThreadObjectType) {
            KiFreeThreadExtra(o);
        }
        pssim__free(h);
    }
    for (size_t i = 0; i < sizeof(m->quarantine) / sizeof(m->quarantine[0]); i++) {
        pssim__free(m->quarantine[i]);
        m->quarantine[i] = NULL;
    }
    for (size_t c = 0; c < PSSIM_OBJECT_CACHE_CLASSES; c++) {
        while (m->object_cache[c]) {
            void *next = *(void **)m->object_cache[c];
            pssim__free(m->object_cache[c]);
            m->object_cache[c] = next;
        }
        m->object_cache_count[c] = 0;
    }
}

/* ---- the WDK calls ---- */

static pssim_machine *machine_of_live(void *o)
{
    pssim_machine *m = pssim__current_machine();
    return ObpIsLiveObject(m, o) ? m : NULL;
}

LONG_PTR FASTCALL ObfReferenceObject(PVOID Object)
{
    pssim_machine *m = pssim__current_machine();
    if (!ObpIsLiveObject(m, Object)) {
        pssim__bugcheck(m, 0x18, 0, (ULONG_PTR)Object, 1, 0,
                        "ObReferenceObject(%p): not a live object (already deleted, or never "
                        "an object). Fix: take the reference while you still hold one.",
                        Object);
        return 0;
    }
    pssim__verifier_ref_taken(m, Object);
    return ++OBJECT_TO_OBJECT_HEADER(Object)->pointer_count;
}

LONG_PTR FASTCALL ObfDereferenceObject(PVOID Object)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return 0;
    if (!ObpIsLiveObject(m, Object)) {
        ObpDereference(m, Object);
        return 0;
    }
    LONG_PTR left = OBJECT_TO_OBJECT_HEADER(Object)->pointer_count - 1;
    pssim__verifier_ref_released(m, Object);
    ObpDereference(m, Object);
    return left;
}

LONG_PTR FASTCALL ObfReferenceObjectWithTag(PVOID Object, ULONG Tag)
{
    (void)Tag;
    return ObfReferenceObject(Object);
}

LONG_PTR FASTCALL ObfDereferenceObjectWithTag(PVOID Object, ULONG Tag)
{
    (void)Tag;
    return ObfDereferenceObject(Object);
}

/* OB-5: deletion is deferred to a worker on Windows; with no IRQL above PASSIVE in a notify
 * path it is observably the same as an immediate dereference here. */
VOID ObDereferenceObjectDeferDelete(PVOID Object)
{
    ObfDereferenceObject(Object);
}

VOID ObDereferenceObjectDeferDeleteWithTag(PVOID Object, ULONG Tag)
{
    (void)Tag;
    ObfDereferenceObject(Object);
}

BOOLEAN FASTCALL ObReferenceObjectSafe(PVOID Object)
{
    /* OB-4: FALSE once the object is being deleted; a dead object is never touched. */
    pssim_machine *m = machine_of_live(Object);
    if (!m)
        return FALSE;
    OBJECT_HEADER *h = OBJECT_TO_OBJECT_HEADER(Object);
    if (h->deleting || h->pointer_count == 0)
        return FALSE;
    h->pointer_count++;
    pssim__verifier_ref_taken(m, Object);
    return TRUE;
}

BOOLEAN FASTCALL ObReferenceObjectSafeWithTag(PVOID Object, ULONG Tag)
{
    (void)Tag;
    return ObReferenceObjectSafe(Object);
}

NTSTATUS ObReferenceObjectByPointer(PVOID Object, ACCESS_MASK DesiredAccess,
                                    POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode)
{
    (void)DesiredAccess;
    (void)AccessMode;
    pssim_machine *m = machine_of_live(Object);
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (ObjectType && OBJECT_TO_OBJECT_HEADER(Object)->type != ObjectType)
        return STATUS_OBJECT_TYPE_MISMATCH;
    ObpReference(Object);
    pssim__verifier_ref_taken(m, Object);
    return STATUS_SUCCESS;
}
