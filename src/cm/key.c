/* key.c: key objects and handles, and the key routines: ZwCreateKey, ZwOpenKey(Ex), ZwDeleteKey,
 * ZwFlushKey, ZwQueryKey, ZwEnumerateKey (docs/registry.md, REG-1..4, REG-6, REG-8). */
#include <string.h>

#include "cm/cm.h"
#include "core/machine.h"
#include "ob/ob.h"

bool CmpEnter(pssim_machine *m, const char *api)
{
    if (m->bugchecked)
        return false;
    /* GUIDE-3: the verifier reports the call when a notify routine or Ob callback makes it. */
    pssim__verifier_forbidden_call(m, PSSIM_VRULE_REGISTRY_CALL, api);
    if (m->bugchecked)
        return false;
    KIRQL irql = m->current_thread->irql;
    if (irql == PASSIVE_LEVEL)
        return true;
    /* REG-1: Driver Verifier stops a Zw call above PASSIVE_LEVEL with 0xC4 / 0xE6 (QUERY-2). */
    pssim__bugcheck(m, 0xC4, 0xE6, irql, 0, 0,
                    "%s called at IRQL %u; registry routines must be called at PASSIVE_LEVEL "
                    "(REG-1). Fix: read the registry in DriverEntry or from a work item.",
                    api, (unsigned)irql);
    return false;
}

NTSTATUS CmpEnterKey(const char *api, HANDLE h, pssim_machine **m, CM_KEY_NODE **k)
{
    *k = NULL;
    *m = pssim__current_machine();
    if (!*m)
        return STATUS_INVALID_HANDLE;
    if (!CmpEnter(*m, api))
        return PSSIM_STATUS_BUGCHECK;
    return CmpKeyFromHandle(*m, h, k);
}

NTSTATUS CmpKeyFromHandle(pssim_machine *m, HANDLE h, CM_KEY_NODE **out)
{
    *out = NULL;
    if (h == NtCurrentProcess() || h == NtCurrentThread())
        return STATUS_OBJECT_TYPE_MISMATCH;
    HANDLE_TABLE_ENTRY *e = ObpLookupHandle(m, h);
    if (!e)
        return STATUS_INVALID_HANDLE;
    if (OBJECT_TO_OBJECT_HEADER(e->object)->type != &CmpKeyObjectType)
        return STATUS_OBJECT_TYPE_MISMATCH;
    CM_KEY_NODE *k = ((CM_KEY_BODY *)e->object)->node;
    if (k->deleted)
        return STATUS_KEY_DELETED;
    *out = k;
    return STATUS_SUCCESS;
}

static void delete_key_body(void *body)
{
    CM_KEY_BODY *b = body;
    CmpDereferenceKey(b->node);
}

NTSTATUS CmpOpenHandle(pssim_machine *m, CM_KEY_NODE *k, ACCESS_MASK desired, ULONG attributes,
                       HANDLE *out)
{
    *out = NULL;
    CM_KEY_BODY *b = ObpCreateObject(m, &CmpKeyObjectType, sizeof(*b), delete_key_body);
    if (!b)
        return STATUS_INSUFFICIENT_RESOURCES;
    b->node = k;
    CmpReferenceKey(k);
    NTSTATUS st =
        ObpInsertHandle(m, m->current_thread->process, (attributes & OBJ_KERNEL_HANDLE) != 0, b,
                        ObpMapAccess(&CmpKeyObjectType, desired), attributes, out);
    ObpDereference(m, b); /* the handle holds the object now, or it goes */
    return st;
}

/* ZwCreateKey and ZwOpenKey(Ex): resolves the name from the root (REG-2), creates the last key
 * when `mode` allows (REG-3), and opens a handle. A key created by a call that then fails is
 * removed again, so a failing call changes nothing. */
static NTSTATUS open_key(pssim_machine *m, PHANDLE KeyHandle, ACCESS_MASK desired,
                         POBJECT_ATTRIBUTES oa, CM_PARSE_MODE mode, const CM_CREATE_INFO *info,
                         PULONG disposition)
{
    if (!KeyHandle || !oa)
        return STATUS_INVALID_PARAMETER;
    *KeyHandle = NULL;
    if (oa->Attributes & ~(ULONG)OBJ_VALID_ATTRIBUTES)
        return STATUS_INVALID_PARAMETER;
    PCUNICODE_STRING name = oa->ObjectName;
    if (name && ((name->Length && !name->Buffer) || name->Length % sizeof(WCHAR) != 0 ||
                 name->Length > name->MaximumLength))
        return STATUS_OBJECT_NAME_INVALID;
    CM_KEY_NODE *root = NULL;
    if (oa->RootDirectory) {
        NTSTATUS st = CmpKeyFromHandle(m, oa->RootDirectory, &root);
        if (!NT_SUCCESS(st))
            return st;
    }
    CM_KEY_NODE *k;
    bool created;
    NTSTATUS st = CmpParsePath(m, root, name ? name->Buffer : NULL,
                               name ? name->Length / sizeof(WCHAR) : 0, mode, info, &k, &created);
    if (!NT_SUCCESS(st))
        return st;
    st = CmpOpenHandle(m, k, desired, oa->Attributes, KeyHandle);
    if (!NT_SUCCESS(st)) {
        if (created)
            CmpDeleteKey(m, k);
        return st;
    }
    if (disposition)
        *disposition = created ? REG_CREATED_NEW_KEY : REG_OPENED_EXISTING_KEY;
    return STATUS_SUCCESS;
}

NTSTATUS ZwCreateKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess,
                     POBJECT_ATTRIBUTES ObjectAttributes, ULONG TitleIndex, PUNICODE_STRING Class,
                     ULONG CreateOptions, PULONG Disposition)
{
    (void)TitleIndex;
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (!CmpEnter(m, "ZwCreateKey"))
        return PSSIM_STATUS_BUGCHECK;
    if (CreateOptions & ~(ULONG)REG_LEGAL_OPTION)
        return STATUS_INVALID_PARAMETER;
    if (CreateOptions & REG_OPTION_CREATE_LINK)
        return STATUS_NOT_SUPPORTED; /* symbolic links are not modelled */
    if (Class && ((Class->Length && !Class->Buffer) || Class->Length % sizeof(WCHAR) != 0))
        return STATUS_INVALID_PARAMETER;
    CM_CREATE_INFO info = {(CreateOptions & REG_OPTION_VOLATILE) != 0, Class};
    return open_key(m, KeyHandle, DesiredAccess, ObjectAttributes, CM_PARSE_CREATE_LAST, &info,
                    Disposition);
}

NTSTATUS ZwOpenKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess,
                   POBJECT_ATTRIBUTES ObjectAttributes)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (!CmpEnter(m, "ZwOpenKey"))
        return PSSIM_STATUS_BUGCHECK;
    return open_key(m, KeyHandle, DesiredAccess, ObjectAttributes, CM_PARSE_OPEN, NULL, NULL);
}

NTSTATUS ZwOpenKeyEx(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess,
                     POBJECT_ATTRIBUTES ObjectAttributes, ULONG OpenOptions)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (!CmpEnter(m, "ZwOpenKeyEx"))
        return PSSIM_STATUS_BUGCHECK;
    /* REG_OPTION_BACKUP_RESTORE and REG_OPTION_OPEN_LINK change nothing without security and
     * links. */
    if (OpenOptions & ~(ULONG)REG_OPEN_LEGAL_OPTION)
        return STATUS_INVALID_PARAMETER;
    return open_key(m, KeyHandle, DesiredAccess, ObjectAttributes, CM_PARSE_OPEN, NULL, NULL);
}

NTSTATUS ZwDeleteKey(HANDLE KeyHandle)
{
    pssim_machine *m;
    CM_KEY_NODE *k;
    NTSTATUS st = CmpEnterKey("ZwDeleteKey", KeyHandle, &m, &k);
    return NT_SUCCESS(st) ? CmpDeleteKey(m, k) : st;
}

NTSTATUS ZwFlushKey(HANDLE KeyHandle)
{
    pssim_machine *m;
    CM_KEY_NODE *k;
    return CmpEnterKey("ZwFlushKey", KeyHandle, &m, &k); /* nothing is written anywhere */
}

/* ---- KEY_*_INFORMATION (REG-6) ---- */

static ULONG bytes_of(size_t units)
{
    return (ULONG)(units * sizeof(WCHAR));
}

/* What KEY_FULL_INFORMATION counts over the subkeys and values. */
static void fill_counts(const CM_KEY_NODE *k, PKEY_FULL_INFORMATION f)
{
    f->SubKeys = f->MaxNameLen = f->MaxClassLen = 0;
    f->Values = f->MaxValueNameLen = f->MaxValueDataLen = 0;
    for (const CM_KEY_NODE *c = k->children; c; c = c->next) {
        f->SubKeys++;
        if (bytes_of(c->name_units) > f->MaxNameLen)
            f->MaxNameLen = bytes_of(c->name_units);
        if (bytes_of(c->class_units) > f->MaxClassLen)
            f->MaxClassLen = bytes_of(c->class_units);
    }
    for (const CM_KEY_VALUE *v = k->values; v; v = v->next) {
        f->Values++;
        if (bytes_of(v->name_units) > f->MaxValueNameLen)
            f->MaxValueNameLen = bytes_of(v->name_units);
        if (v->size > f->MaxValueDataLen)
            f->MaxValueDataLen = v->size;
    }
}

/* Fills the class's structure for k, by the rule of fill_value_info (value.c): shorter than the
 * fixed part is STATUS_BUFFER_TOO_SMALL with nothing written; shorter than the whole is the fixed
 * part, as much of the name as fits and no class, STATUS_BUFFER_OVERFLOW. */
static NTSTATUS fill_key_info(const CM_KEY_NODE *k, KEY_INFORMATION_CLASS c, PVOID buf, ULONG len,
                              PULONG result)
{
    ULONG name_bytes = bytes_of(k->name_units), class_bytes = bytes_of(k->class_units);
    ULONG fixed, class_at = 0xFFFFFFFF, need;
    size_t path_units = 0;
    switch (c) {
    case KeyBasicInformation:
        fixed = (ULONG)offsetof(KEY_BASIC_INFORMATION, Name);
        need = fixed + name_bytes;
        break;
    case KeyNodeInformation:
        fixed = (ULONG)offsetof(KEY_NODE_INFORMATION, Name);
        need = fixed + name_bytes;
        if (class_bytes) {
            class_at = (need + 3) & ~3u;
            need = class_at + class_bytes;
        }
        break;
    case KeyFullInformation:
        fixed = (ULONG)offsetof(KEY_FULL_INFORMATION, Class);
        need = fixed + class_bytes;
        if (class_bytes)
            class_at = fixed;
        break;
    case KeyNameInformation:
        fixed = (ULONG)offsetof(KEY_NAME_INFORMATION, Name);
        path_units = CmpKeyPath(k, NULL, 0);
        name_bytes = bytes_of(path_units);
        need = fixed + name_bytes;
        break;
    default:
        return STATUS_INVALID_PARAMETER;
    }
    *result = need;
    if (len < fixed)
        return STATUS_BUFFER_TOO_SMALL;
    if (!buf)
        return STATUS_INVALID_PARAMETER;
    ULONG room = len - fixed;
    ULONG name_copy = name_bytes < room ? name_bytes : room;
    switch (c) {
    case KeyBasicInformation: {
        PKEY_BASIC_INFORMATION b = buf;
        b->LastWriteTime = k->last_write;
        b->TitleIndex = 0;
        b->NameLength = name_bytes;
        memcpy(b->Name, k->name, name_copy);
        break;
    }
    case KeyNodeInformation: {
        PKEY_NODE_INFORMATION n = buf;
        n->LastWriteTime = k->last_write;
        n->TitleIndex = 0;
        n->ClassOffset = class_at;
        n->ClassLength = class_bytes;
        n->NameLength = name_bytes;
        memcpy(n->Name, k->name, name_copy);
        break;
    }
    case KeyFullInformation: {
        PKEY_FULL_INFORMATION f = buf;
        f->LastWriteTime = k->last_write;
        f->TitleIndex = 0;
        f->ClassOffset = class_at;
        f->ClassLength = class_bytes;
        fill_counts(k, f);
        break;
    }
    default: {
        PKEY_NAME_INFORMATION n = buf;
        n->NameLength = name_bytes;
        CmpKeyPath(k, n->Name, name_copy / sizeof(WCHAR));
        break;
    }
    }
    if (len < need)
        return STATUS_BUFFER_OVERFLOW;
    if (class_bytes && class_at != 0xFFFFFFFF)
        memcpy((UCHAR *)buf + class_at, k->class_name, class_bytes);
    return STATUS_SUCCESS;
}

NTSTATUS ZwQueryKey(HANDLE KeyHandle, KEY_INFORMATION_CLASS KeyInformationClass,
                    PVOID KeyInformation, ULONG Length, PULONG ResultLength)
{
    pssim_machine *m;
    CM_KEY_NODE *k;
    NTSTATUS st = CmpEnterKey("ZwQueryKey", KeyHandle, &m, &k);
    if (!NT_SUCCESS(st))
        return st;
    if (!ResultLength)
        return STATUS_INVALID_PARAMETER;
    return fill_key_info(k, KeyInformationClass, KeyInformation, Length, ResultLength);
}

NTSTATUS ZwEnumerateKey(HANDLE KeyHandle, ULONG Index, KEY_INFORMATION_CLASS KeyInformationClass,
                        PVOID KeyInformation, ULONG Length, PULONG ResultLength)
{
    pssim_machine *m;
    CM_KEY_NODE *k;
    NTSTATUS st = CmpEnterKey("ZwEnumerateKey", KeyHandle, &m, &k);
    if (!NT_SUCCESS(st))
        return st;
    /* Subkeys come as basic, node or full information; their full names only from ZwQueryKey. */
    if (KeyInformationClass != KeyBasicInformation && KeyInformationClass != KeyNodeInformation &&
        KeyInformationClass != KeyFullInformation)
        return STATUS_INVALID_PARAMETER;
    if (!ResultLength)
        return STATUS_INVALID_PARAMETER;
    CM_KEY_NODE *sub = CmpSubkeyAt(k, Index);
    if (!sub)
        return STATUS_NO_MORE_ENTRIES;
    return fill_key_info(sub, KeyInformationClass, KeyInformation, Length, ResultLength);
}
