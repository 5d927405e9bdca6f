/* callbacks.c: ObRegisterCallbacks, ObUnRegisterCallbacks and ObGetFilterVersion; the pre- and
 * post-operation callbacks around the creation and duplication of process and thread handles;
 * ZwDuplicateObject; and pssim_process_open, what OpenProcess does from a user-mode program
 * (docs/ob-callbacks.md, OBCB-1..16).
 *
 * A registration is one pool block (tag 'ObFl', as on Windows): a header and one operation
 * entry per OB_OPERATION_REGISTRATION, each entry linked into its object type's list, which is
 * kept in descending altitude order. A handle operation walks that list calling the pre
 * routines, holds every entry with a post routine (its rundown) until the post routine has run
 * in the reverse order, and only then lets an ObUnRegisterCallbacks waiting for the entry go on. */
#include <stdio.h>
#include <string.h>

#include "core/machine.h"
#include "io/io.h"
#include "ke/ke.h"
#include "platform/platform.h"
#include "verifier/verifier.h"

#define OBP_REGISTRATION_TAG 0x6C46624Fu /* 'ObFl' */
#define OBP_RECORD_TAG 0x6243624Fu       /* 'ObCb' */

/* The access the object manager keeps whatever a pre routine clears (the object types'
 * RetainAccess, OBCB-9). */
#define OBP_PROCESS_RETAIN (SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION)
#define OBP_THREAD_RETAIN (SYNCHRONIZE | THREAD_RESUME | THREAD_QUERY_LIMITED_INFORMATION)

typedef struct OBP_REGISTRATION OBP_REGISTRATION;

/* One OB_OPERATION_REGISTRATION of a registration. */
typedef struct OBP_CALLBACK_ENTRY {
    LIST_ENTRY type_link; /* in by_type[], highest altitude first */
    OBP_REGISTRATION *reg;
    POBJECT_TYPE type;
    OB_OPERATION operations;
    POB_PRE_OPERATION_CALLBACK pre;
    POB_POST_OPERATION_CALLBACK post;
    uint32_t active; /* handle operations holding the entry (its rundown count) */
    bool enabled;    /* the whole registration succeeded */
    bool removing;   /* ObUnRegisterCallbacks waits for `active` to drain: no new holders */
    KEVENT drained;  /* signaled when the last holder of a removing entry lets go */
} OBP_CALLBACK_ENTRY;

struct OBP_REGISTRATION {
    LIST_ENTRY link;         /* in registrations */
    PVOID context;           /* RegistrationContext */
    pssim_driver *owner;     /* NULL = the host image */
    UNICODE_STRING altitude; /* its characters follow the entries, in the same block */
    USHORT count;
    bool unregistering;
    OBP_CALLBACK_ENTRY entries[];
};

/* A record of an entry with a post routine, from its pre call to its post call (pool, as the
 * records Windows allocates per operation). */
typedef struct OBP_HELD {
    LIST_ENTRY link;
    OBP_CALLBACK_ENTRY *entry;
    PVOID call_context; /* what its pre routine left in CallContext (OBCB-10) */
} OBP_HELD;

/* A handle operation whose callbacks are running (on the C stack of the thread doing it). */
struct OBP_OPERATION {
    struct OBP_OPERATION *next;
    PETHREAD thread;
    OBP_CALLBACK_ENTRY *pinned; /* an entry without a post routine, held across its pre call */
    LIST_ENTRY held;            /* OBP_HELD, in the order the pre pass took them */
};

#define FN(r) ((void (*)(void))(r))

static OBP_CALLBACK_STATE *state_of(pssim_machine *m)
{
    OBP_CALLBACK_STATE *s = &m->ob_callbacks;
    if (!s->registrations.Flink) { /* a new machine is zero-filled: first use sets up */
        InitializeListHead(&s->by_type[0]);
        InitializeListHead(&s->by_type[1]);
        InitializeListHead(&s->registrations);
    }
    return s;
}

/* 0 for process objects, 1 for threads, -1 for types without callback support (OBCB-3). */
static int type_index(POBJECT_TYPE type)
{
    if (type == &PspProcessObjectType)
        return 0;
    if (type == &PspThreadObjectType)
        return 1;
    return -1;
}

/* The altitude as text for bug check messages (altitudes are digits and a dot). */
static void altitude_text(const UNICODE_STRING *a, char *buf, size_t size)
{
    size_t n = a->Buffer ? a->Length / sizeof(WCHAR) : 0, i = 0;
    for (; i < n && i + 1 < size; i++) {
        WCHAR c = a->Buffer[i];
        buf[i] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
    }
    buf[i] = 0;
}

/* ---- altitudes (OBCB-5) ---- */

typedef struct altitude_parts {
    const WCHAR *whole; /* integer digits without leading zeros */
    size_t whole_len;
    const WCHAR *fraction; /* digits after the dot without trailing zeros */
    size_t fraction_len;
} altitude_parts;

static void split_altitude(const UNICODE_STRING *a, altitude_parts *p)
{
    const WCHAR *b = a->Buffer;
    size_t n = b ? a->Length / sizeof(WCHAR) : 0;
    size_t dot = 0;
    while (dot < n && b[dot] != L'.')
        dot++;
    size_t lead = 0;
    while (lead < dot && b[lead] == L'0')
        lead++;
    p->whole = b + lead;
    p->whole_len = dot - lead;
    p->fraction = NULL;
    p->fraction_len = 0;
    if (dot < n) {
        p->fraction = b + dot + 1;
        p->fraction_len = n - dot - 1;
        while (p->fraction_len && p->fraction[p->fraction_len - 1] == L'0')
            p->fraction_len--;
    }
}

/* Compares two altitudes as decimal numbers: "385", "0385" and "385.0" are one altitude. */
static int compare_altitudes(const UNICODE_STRING *a, const UNICODE_STRING *b)
{
    altitude_parts x, y;
    split_altitude(a, &x);
    split_altitude(b, &y);
    if (x.whole_len != y.whole_len)
        return x.whole_len > y.whole_len ? 1 : -1;
    for (size_t i = 0; i < x.whole_len; i++)
        if (x.whole[i] != y.whole[i])
            return x.whole[i] > y.whole[i] ? 1 : -1;
    size_t common = x.fraction_len < y.fraction_len ? x.fraction_len : y.fraction_len;
    for (size_t i = 0; i < common; i++)
        if (x.fraction[i] != y.fraction[i])
            return x.fraction[i] > y.fraction[i] ? 1 : -1;
    if (x.fraction_len == y.fraction_len)
        return 0;
    return x.fraction_len > y.fraction_len ? 1 : -1;
}

/* Links `e` before the first entry of a lower altitude; an equal altitude is a collision. */
static NTSTATUS insert_by_altitude(LIST_ENTRY *list, OBP_CALLBACK_ENTRY *e)
{
    LIST_ENTRY *pos = list->Flink;
    for (; pos != list; pos = pos->Flink) {
        OBP_CALLBACK_ENTRY *o = CONTAINING_RECORD(pos, OBP_CALLBACK_ENTRY, type_link);
        int c = compare_altitudes(&o->reg->altitude, &e->reg->altitude);
        if (c == 0)
            return STATUS_FLT_INSTANCE_ALTITUDE_COLLISION; /* OBCB-5 */
        if (c < 0)
            break;
    }
    InsertTailList(pos, &e->type_link); /* before `pos` */
    return STATUS_SUCCESS;
}

/* OBCB-1: registration and removal are calls at IRQL <= APC_LEVEL. */
static bool check_irql(pssim_machine *m, const char *api)
{
    KIRQL irql = m->current_thread->irql;
    if (irql <= APC_LEVEL)
        return true;
    pssim__bugcheck(m, 0xC4, 0xE5, irql, 0, 0,
                    "%s called at IRQL %u; it must be called at IRQL <= APC_LEVEL (OBCB-1). "
                    "Fix: register and unregister Ob callbacks at PASSIVE_LEVEL, e.g. from "
                    "DriverEntry and DriverUnload.",
                    api, (unsigned)irql);
    return false;
}

/* ---- registration ---- */

USHORT ObGetFilterVersion(VOID)
{
    return OB_FLT_REGISTRATION_VERSION; /* OBCB-2 */
}

NTSTATUS ObRegisterCallbacks(POB_CALLBACK_REGISTRATION CallbackRegistration,
                             PVOID *RegistrationHandle)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_UNSUCCESSFUL;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!check_irql(m, "ObRegisterCallbacks"))
        return PSSIM_STATUS_BUGCHECK;
    POB_CALLBACK_REGISTRATION reg = CallbackRegistration;
    if (!reg || !RegistrationHandle)
        return STATUS_INVALID_PARAMETER; /* OBCB-3 [P]: Windows would fault */
    /* OBCB-2, 3: any 0x01xx version; at least one operation registration. */
    if ((reg->Version & 0xFF00) != OB_FLT_REGISTRATION_VERSION)
        return STATUS_INVALID_PARAMETER;
    if (reg->OperationRegistrationCount == 0 || !reg->OperationRegistration)
        return STATUS_INVALID_PARAMETER;
    if ((reg->Altitude.Length && !reg->Altitude.Buffer) || reg->Altitude.Length % sizeof(WCHAR))
        return STATUS_INVALID_PARAMETER;
    OBP_CALLBACK_STATE *s = state_of(m);
    pssim_driver *drv = pssim__current_driver(m);
    USHORT count = reg->OperationRegistrationCount;
    size_t size =
        sizeof(OBP_REGISTRATION) + count * sizeof(OBP_CALLBACK_ENTRY) + reg->Altitude.Length;
    /* OBCB-4: one paged pool block, tag 'ObFl' (zero-filled). */
    OBP_REGISTRATION *r = ExAllocatePool2(POOL_FLAG_PAGED, size, OBP_REGISTRATION_TAG);
    if (!r)
        return STATUS_INSUFFICIENT_RESOURCES;
    r->context = reg->RegistrationContext;
    r->owner = drv == &m->host_image ? NULL : drv;
    WCHAR *chars = (WCHAR *)(void *)(r->entries + count);
    if (reg->Altitude.Length)
        memcpy(chars, reg->Altitude.Buffer, reg->Altitude.Length);
    r->altitude.Buffer = chars;
    r->altitude.Length = r->altitude.MaximumLength = reg->Altitude.Length;

    NTSTATUS st = STATUS_SUCCESS;
    USHORT linked = 0;
    for (USHORT i = 0; i < count; i++) {
        const OB_OPERATION_REGISTRATION *op = &reg->OperationRegistration[i];
        POBJECT_TYPE type = op->ObjectType ? *op->ObjectType : NULL;
        int k = type_index(type);
        if (!op->Operations || k < 0 || (!op->PreOperation && !op->PostOperation)) {
            st = STATUS_INVALID_PARAMETER; /* OBCB-3 */
            break;
        }
        if (!(drv->flags & PSSIM_DRIVER_FORCE_INTEGRITY)) {
            st = STATUS_ACCESS_DENIED; /* OBCB-4: the image lacks /INTEGRITYCHECK */
            break;
        }
        OBP_CALLBACK_ENTRY *e = &r->entries[i];
        e->reg = r;
        e->type = type;
        e->operations = op->Operations;
        e->pre = op->PreOperation;
        e->post = op->PostOperation;
        KeInitializeEvent(&e->drained, NotificationEvent, FALSE);
        st = insert_by_altitude(&s->by_type[k], e);
        if (!NT_SUCCESS(st))
            break;
        linked++;
    }
    if (!NT_SUCCESS(st)) {
        /* OBCB-3..5: all or nothing; the handle is not written. */
        for (USHORT i = 0; i < linked; i++)
            RemoveEntryList(&r->entries[i].type_link);
        ExFreePoolWithTag(r, OBP_REGISTRATION_TAG);
        return st;
    }
    r->count = count;
    for (USHORT i = 0; i < count; i++)
        r->entries[i].enabled = true;
    InsertTailList(&s->registrations, &r->link);
    *RegistrationHandle = r;
    return STATUS_SUCCESS;
}

static OBP_REGISTRATION *find_registration(pssim_machine *m, PVOID handle)
{
    OBP_CALLBACK_STATE *s = state_of(m);
    for (LIST_ENTRY *l = s->registrations.Flink; l != &s->registrations; l = l->Flink) {
        OBP_REGISTRATION *r = CONTAINING_RECORD(l, OBP_REGISTRATION, link);
        if ((PVOID)r == handle)
            return r->unregistering ? NULL : r;
    }
    return NULL;
}

/* True when the current thread holds an entry of `r`: it runs one of r's routines now. */
static bool held_by_current(pssim_machine *m, OBP_REGISTRATION *r)
{
    for (struct OBP_OPERATION *op = m->ob_callbacks.in_flight; op; op = op->next) {
        if (op->thread != m->current_thread)
            continue;
        if (op->pinned && op->pinned->reg == r)
            return true;
        for (LIST_ENTRY *l = op->held.Flink; l != &op->held; l = l->Flink)
            if (CONTAINING_RECORD(l, OBP_HELD, link)->entry->reg == r)
                return true;
    }
    return false;
}

VOID ObUnRegisterCallbacks(PVOID RegistrationHandle)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked)
        return;
    if (!check_irql(m, "ObUnRegisterCallbacks"))
        return;
    OBP_REGISTRATION *r = find_registration(m, RegistrationHandle);
    if (!r) {
        /* OBCB-11 [P]: Windows frees the block again (or frees what is no block). */
        pssim__bugcheck(m, 0xC2, 0x7, 0, (ULONG_PTR)RegistrationHandle, 0,
                        "ObUnRegisterCallbacks(%p): not a live registration from "
                        "ObRegisterCallbacks (unregistered twice, or never registered); Windows "
                        "frees that memory again (OBCB-11). Fix: unregister each registration "
                        "handle exactly once.",
                        RegistrationHandle);
        return;
    }
    if (held_by_current(m, r)) {
        char alt[64];
        altitude_text(&r->altitude, alt, sizeof(alt));
        pssim__bugcheck(m, 0xC4, 0x1000, (ULONG_PTR)RegistrationHandle, 0, 0,
                        "ObUnRegisterCallbacks(%p) called from inside a callback of that same "
                        "registration (altitude %s): it waits until the callbacks in flight "
                        "return, so on Windows this thread waits for itself forever (OBCB-11). "
                        "Fix: unregister from DriverUnload or another thread, never from the "
                        "callback.",
                        RegistrationHandle, alt);
        return;
    }
    r->unregistering = true;
    /* OBCB-11: each entry in turn: no new holders, wait for the ones in flight, unlink. */
    for (USHORT i = 0; i < r->count; i++) {
        OBP_CALLBACK_ENTRY *e = &r->entries[i];
        e->removing = true;
        if (e->active) {
            KiWaitForObject(m, &e->drained, false, 0, Executive);
            if (m->bugchecked)
                return; /* the holders never run again; the pool goes with the machine */
        }
        RemoveEntryList(&e->type_link);
    }
    RemoveEntryList(&r->link);
    ExFreePoolWithTag(r, OBP_REGISTRATION_TAG);
}

/* ---- invocation ---- */

static void release_entry(OBP_CALLBACK_ENTRY *e)
{
    if (--e->active == 0 && e->removing)
        KeSetEvent(&e->drained, IO_NO_INCREMENT, FALSE); /* the remover may go on */
}

/* OBCB-12: a routine of a driver that has unloaded is no longer mapped: 0xCE. */
static bool check_loaded(pssim_machine *m, OBP_CALLBACK_ENTRY *e, bool post, ULONG operation)
{
    pssim_driver *owner = e->reg->owner;
    if (!owner || !owner->unloaded)
        return true;
    void (*routine)(void) = post ? FN(e->post) : FN(e->pre);
    char who[128], alt[64];
    pssim__platform_describe_routine(routine, who, sizeof(who));
    altitude_text(&e->reg->altitude, alt, sizeof(alt));
    const char *kind = e->type == &PspThreadObjectType ? "thread" : "process";
    ULONG_PTR addr = (ULONG_PTR)pssim__fn_addr(routine);
    pssim__bugcheck(m, 0xCE, addr, 0, addr, 0,
                    "driver '%s' was unloaded while its Ob %s-operation callback %s was still "
                    "registered (ObRegisterCallbacks, altitude %s, %s handles); the %s of a %s "
                    "handle called into the unloaded driver's code (OBCB-12, BUGCHECK-3). Fix: "
                    "call ObUnRegisterCallbacks with the registration handle in DriverUnload.",
                    owner->name, post ? "post" : "pre", who, alt, kind,
                    operation == OB_OPERATION_HANDLE_DUPLICATE ? "duplication" : "creation", kind);
    return false;
}

/* OBCB-8: a callback returns with the IRQL and APC-disable state it was given. */
static void check_return_state(pssim_machine *m, void (*routine)(void), KIRQL irql_before,
                               SHORT apc_before)
{
    PETHREAD t = m->current_thread;
    char who[128];
    ULONG_PTR addr = (ULONG_PTR)pssim__fn_addr(routine);
    if (t->irql != irql_before) {
        pssim__platform_describe_routine(routine, who, sizeof(who));
        pssim__bugcheck(m, 0xC8, (ULONG_PTR)irql_before << 8 | (ULONG_PTR)t->irql << 16, addr, 0, 0,
                        "Ob callback %s returned at IRQL %u but was called at IRQL %u (OBCB-8). "
                        "Fix: lower the IRQL (release spin locks) before returning.",
                        who, (unsigned)t->irql, (unsigned)irql_before);
    } else if (t->kernel_apc_disable != apc_before) {
        pssim__platform_describe_routine(routine, who, sizeof(who));
        pssim__bugcheck(m, 0x1, addr, (ULONG_PTR)(LONG_PTR)t->kernel_apc_disable,
                        (ULONG_PTR)(LONG_PTR)apc_before, 0,
                        "Ob callback %s returned with an unbalanced critical region (APC "
                        "disable count %d, expected %d; OBCB-8). Fix: pair every "
                        "KeEnterCriticalRegion / lock acquisition with its release.",
                        who, (int)t->kernel_apc_disable, (int)apc_before);
    }
}

/* The pre pass (OBCB-7..10): highest altitude first, every enabled entry of the operation.
 * Entries with a post routine stay held in op->held; the others are held across their call. */
static NTSTATUS call_pre(pssim_machine *m, LIST_ENTRY *list, struct OBP_OPERATION *op,
                         OB_PRE_OPERATION_INFORMATION *info)
{
    PETHREAD cur = m->current_thread;
    for (LIST_ENTRY *l = list->Flink; l != list; l = l->Flink) {
        OBP_CALLBACK_ENTRY *e = CONTAINING_RECORD(l, OBP_CALLBACK_ENTRY, type_link);
        if (!e->enabled || e->removing || !(e->operations & info->Operation))
            continue;
        if (e->pre && !check_loaded(m, e, false, info->Operation))
            return PSSIM_STATUS_BUGCHECK;
        e->active++;
        if (op->pinned) { /* held until the next entry is: then the list stays walkable */
            release_entry(op->pinned);
            op->pinned = NULL;
        }
        OBP_HELD *rec = NULL;
        if (e->post) {
            rec = ExAllocatePool2(POOL_FLAG_PAGED, sizeof(*rec), OBP_RECORD_TAG);
            if (!rec) {
                release_entry(e);
                return STATUS_INSUFFICIENT_RESOURCES; /* OBCB-13 */
            }
            rec->entry = e;
            InsertTailList(&op->held, &rec->link);
        } else {
            op->pinned = e;
        }
        if (!e->pre)
            continue;
        info->CallContext = NULL; /* OBCB-10: each driver's own */
        KIRQL irql = cur->irql;
        SHORT apc = cur->kernel_apc_disable;
        PVOID context = e->reg->context;
        POB_PRE_OPERATION_CALLBACK routine = e->pre;
        pssim_verifier_call vc;
        pssim__verifier_routine_enter(m, &vc, e->reg->owner, pssim__fn_addr(FN(routine)),
                                      "Ob pre-operation callback");
        PSSIM_WITH_DRIVER(m, e->reg->owner, { (void)routine(context, info); });
        check_return_state(m, FN(routine), irql, apc);
        pssim__verifier_routine_leave(m, &vc);
        if (m->bugchecked)
            return PSSIM_STATUS_BUGCHECK;
        if (rec)
            rec->call_context = info->CallContext;
        info->CallContext = NULL;
    }
    if (op->pinned) {
        release_entry(op->pinned);
        op->pinned = NULL;
    }
    return STATUS_SUCCESS;
}

/* The post pass (OBCB-10): the held entries in the reverse order of the pre pass. */
static void call_post(pssim_machine *m, struct OBP_OPERATION *op,
                      const OB_PRE_OPERATION_INFORMATION *pre, NTSTATUS status, ACCESS_MASK granted)
{
    PETHREAD cur = m->current_thread;
    OB_POST_OPERATION_PARAMETERS params;
    memset(&params, 0, sizeof(params));
    if (pre->Operation == OB_OPERATION_HANDLE_DUPLICATE)
        params.DuplicateHandleInformation.GrantedAccess = granted;
    else
        params.CreateHandleInformation.GrantedAccess = granted;
    while (!IsListEmpty(&op->held)) {
        OBP_HELD *rec = CONTAINING_RECORD(RemoveTailList(&op->held), OBP_HELD, link);
        OBP_CALLBACK_ENTRY *e = rec->entry;
        if (!m->bugchecked && check_loaded(m, e, true, pre->Operation)) {
            OB_POST_OPERATION_INFORMATION info;
            memset(&info, 0, sizeof(info));
            info.Operation = pre->Operation;
            info.KernelHandle = pre->KernelHandle;
            info.Object = pre->Object;
            info.ObjectType = pre->ObjectType;
            info.CallContext = rec->call_context;
            info.ReturnStatus = status;
            info.Parameters = NT_SUCCESS(status) ? &params : NULL; /* OBCB-10 */
            KIRQL irql = cur->irql;
            SHORT apc = cur->kernel_apc_disable;
            PVOID context = e->reg->context;
            POB_POST_OPERATION_CALLBACK routine = e->post;
            pssim_verifier_call vc;
            pssim__verifier_routine_enter(m, &vc, e->reg->owner, pssim__fn_addr(FN(routine)),
                                          "Ob post-operation callback");
            PSSIM_WITH_DRIVER(m, e->reg->owner, { routine(context, &info); });
            check_return_state(m, FN(routine), irql, apc);
            pssim__verifier_routine_leave(m, &vc);
        }
        ExFreePoolWithTag(rec, OBP_RECORD_TAG);
        release_entry(e);
    }
}

NTSTATUS ObpInsertHandleFiltered(pssim_machine *m, ULONG operation, PEPROCESS source,
                                 PEPROCESS owner, bool kernel, void *object, ACCESS_MASK granted,
                                 ULONG attributes, HANDLE *out)
{
    POBJECT_TYPE type = OBJECT_TO_OBJECT_HEADER(object)->type;
    int k = type_index(type);
    OBP_CALLBACK_STATE *s = &m->ob_callbacks;
    if (k < 0 || !s->registrations.Flink || IsListEmpty(&s->by_type[k]))
        return ObpInsertHandleRaw(m, owner, kernel, object, granted, attributes, out);
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK; /* a stopped machine runs no driver code */

    OB_PRE_OPERATION_PARAMETERS params;
    memset(&params, 0, sizeof(params));
    if (operation == OB_OPERATION_HANDLE_DUPLICATE) {
        params.DuplicateHandleInformation.DesiredAccess = granted;
        params.DuplicateHandleInformation.OriginalDesiredAccess = granted;
        params.DuplicateHandleInformation.SourceProcess = source;
        params.DuplicateHandleInformation.TargetProcess = owner;
    } else {
        params.CreateHandleInformation.DesiredAccess = granted;
        params.CreateHandleInformation.OriginalDesiredAccess = granted;
    }
    OB_PRE_OPERATION_INFORMATION info;
    memset(&info, 0, sizeof(info));
    info.Operation = operation;
    info.KernelHandle = kernel ? 1u : 0u;
    info.Object = object;
    info.ObjectType = type;
    info.Parameters = &params;

    PETHREAD cur = m->current_thread;
    struct OBP_OPERATION op;
    op.next = s->in_flight;
    op.thread = cur;
    op.pinned = NULL;
    InitializeListHead(&op.held);
    s->in_flight = &op;
    ObpReference(object);      /* OBCB-7: the object stays for the callbacks */
    cur->kernel_apc_disable++; /* OBCB-8: normal kernel APCs off, first pre to last post */

    NTSTATUS st = call_pre(m, &s->by_type[k], &op, &info);
    if (op.pinned) { /* the pass stopped early (a bug check) */
        release_entry(op.pinned);
        op.pinned = NULL;
    }
    if (NT_SUCCESS(st)) {
        ACCESS_MASK kept = operation == OB_OPERATION_HANDLE_DUPLICATE
                               ? params.DuplicateHandleInformation.DesiredAccess
                               : params.CreateHandleInformation.DesiredAccess;
        ACCESS_MASK retain = k == 0 ? OBP_PROCESS_RETAIN : OBP_THREAD_RETAIN;
        if (!kernel) /* OBCB-9: clear only, never add, never the retained rights; not kernel */
            granted &= kept | (granted & retain);
        st = ObpInsertHandleRaw(m, owner, kernel, object, granted, attributes, out);
    }
    call_post(m, &op, &info, st, granted);

    cur->kernel_apc_disable--;
    for (struct OBP_OPERATION **pp = &s->in_flight; *pp; pp = &(*pp)->next) {
        if (*pp == &op) {
            *pp = op.next;
            break;
        }
    }
    ObpDereference(m, object);
    return m->bugchecked ? PSSIM_STATUS_BUGCHECK : st;
}

/* ---- ZwDuplicateObject (OBCB-14) ---- */

NTSTATUS ZwDuplicateObject(HANDLE SourceProcessHandle, HANDLE SourceHandle,
                           HANDLE TargetProcessHandle, PHANDLE TargetHandle,
                           ACCESS_MASK DesiredAccess, ULONG HandleAttributes, ULONG Options)
{
    pssim_machine *m = pssim__current_machine();
    if (TargetHandle)
        *TargetHandle = NULL;
    if (!m)
        return STATUS_INVALID_HANDLE;
    if (Options &
        ~(ULONG)(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES))
        return STATUS_INVALID_PARAMETER;
    if (HandleAttributes & ~(ULONG)OBJ_VALID_ATTRIBUTES)
        return STATUS_INVALID_PARAMETER;
    /* Previous mode KernelMode: the process handles need no access check. */
    PVOID source_process;
    NTSTATUS st = ObpReferenceObjectByHandle(SourceProcessHandle, PROCESS_DUP_HANDLE,
                                             *PsProcessType, KernelMode, &source_process, NULL);
    if (!NT_SUCCESS(st))
        return st;
    PEPROCESS sp = source_process;
    PETHREAD cur = m->current_thread;
    void *object;
    ACCESS_MASK source_granted;
    ULONG source_attributes = 0;
    bool pseudo = false;
    if (SourceHandle == NtCurrentProcess()) {
        object = sp;
        source_granted = PROCESS_ALL_ACCESS;
        pseudo = true;
    } else if (SourceHandle == NtCurrentThread() && sp == cur->process) {
        object = cur;
        source_granted = THREAD_ALL_ACCESS;
        pseudo = true;
    } else {
        HANDLE_TABLE_ENTRY *e = ObpLookupHandleIn(m, sp, SourceHandle);
        if (!e) {
            ObpDereference(m, sp);
            return STATUS_INVALID_HANDLE;
        }
        object = e->object;
        source_granted = e->granted;
        source_attributes = e->attributes;
    }
    ObpReference(object);
    if (!TargetProcessHandle && !(Options & DUPLICATE_CLOSE_SOURCE)) {
        st = STATUS_INVALID_PARAMETER; /* NULL only with DUPLICATE_CLOSE_SOURCE [D; P status] */
    } else if (!TargetProcessHandle || !TargetHandle) {
        st = STATUS_SUCCESS; /* no duplicate is to be created [D] */
    } else {
        PVOID target_process;
        st = ObpReferenceObjectByHandle(TargetProcessHandle, PROCESS_DUP_HANDLE, *PsProcessType,
                                        KernelMode, &target_process, NULL);
        if (NT_SUCCESS(st)) {
            POBJECT_TYPE type = OBJECT_TO_OBJECT_HEADER(object)->type;
            ACCESS_MASK want = (Options & DUPLICATE_SAME_ACCESS)
                                   ? source_granted
                                   : ObpMapAccess(type, DesiredAccess);
            ULONG attributes =
                (Options & DUPLICATE_SAME_ATTRIBUTES) ? source_attributes : HandleAttributes;
            st = ObpInsertHandleFiltered(m, OB_OPERATION_HANDLE_DUPLICATE, sp, target_process,
                                         (attributes & OBJ_KERNEL_HANDLE) != 0, object, want,
                                         attributes, TargetHandle);
            ObpDereference(m, target_process);
        }
    }
    /* The source handle goes whatever the outcome, as DuplicateHandle documents. */
    if ((Options & DUPLICATE_CLOSE_SOURCE) && !pseudo && !m->bugchecked)
        ObpCloseHandleIn(m, sp, SourceHandle);
    ObpDereference(m, object);
    ObpDereference(m, sp);
    return st;
}

/* ---- pssim_process_open (api-contract "Devices and handles"; OBCB-15) ---- */

typedef struct process_open_args {
    HANDLE requestor_pid, target_pid;
    ACCESS_MASK desired, granted;
    PEPROCESS target;
    NTSTATUS status;
} process_open_args;

static void open_on_requestor(void *arg)
{
    process_open_args *a = arg;
    pssim_machine *m = a->target->machine;
    PETHREAD t = m->current_thread;
    KPROCESSOR_MODE saved_mode = t->previous_mode;
    t->previous_mode = UserMode; /* NtOpenProcess called from user mode */
    /* No security descriptors: every valid right asked for passes the access check [P]. */
    ACCESS_MASK want =
        ObpMapAccess(&PspProcessObjectType, a->desired) & PspProcessObjectType.valid_access;
    HANDLE h;
    a->status = ObpInsertHandle(m, t->process, false, a->target, want, 0, &h);
    if (NT_SUCCESS(a->status)) {
        HANDLE_TABLE_ENTRY *e = ObpLookupHandleIn(m, t->process, h);
        a->granted = e ? e->granted : 0;
        ObpCloseHandleIn(m, t->process, h); /* CloseHandle */
    }
    t->previous_mode = saved_mode;
}

static NTSTATUS process_open_body(pssim_machine *m, void *arg)
{
    process_open_args *a = arg;
    PETHREAD requestor;
    NTSTATUS st = IopPickRequestor(m, a->requestor_pid, &requestor, NULL);
    if (!NT_SUCCESS(st))
        return st;
    a->target = PspLookupProcess(m, a->target_pid);
    if (!a->target)
        return STATUS_INVALID_CID;
    if (requestor == m->current_thread)
        open_on_requestor(a);
    else
        PspRunOnThread(m, requestor, open_on_requestor, a);
    ObpDereference(m, a->target);
    return a->status;
}

NTSTATUS pssim_process_open(pssim_machine *m, HANDLE requestor_pid, HANDLE target_pid,
                            ACCESS_MASK desired, ACCESS_MASK *granted)
{
    if (granted)
        *granted = 0;
    if (!m)
        return STATUS_INVALID_PARAMETER;
    process_open_args a = {requestor_pid, target_pid, desired, 0, NULL, STATUS_SUCCESS};
    NTSTATUS st = pssim__control_call(m, process_open_body, &a);
    if (NT_SUCCESS(st) && granted)
        *granted = a.granted;
    return st;
}

uint32_t ObpCountRegistrationsOf(pssim_machine *m, const pssim_driver *drv)
{
    OBP_CALLBACK_STATE *st = &m->ob_callbacks;
    uint32_t n = 0;
    if (!st->registrations.Flink)
        return 0; /* never initialised: nothing registered */
    for (LIST_ENTRY *e = st->registrations.Flink; e != &st->registrations; e = e->Flink) {
        OBP_REGISTRATION *r = CONTAINING_RECORD(e, OBP_REGISTRATION, link);
        if (r->owner == drv && !r->unregistering)
            n++;
    }
    return n;
}
