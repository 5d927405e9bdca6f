/* rtl_registry.c: the Rtl registry routines: RtlQueryRegistryValues, RtlWriteRegistryValue,
 * RtlDeleteRegistryValue, RtlCheckRegistryKey, RtlCreateRegistryKey (docs/registry.md, REG-10,
 * REG-11). They work on the tree directly, so a call is one registry call for the verifier. */
#include <string.h>
#include <wchar.h>

#include "cm/cm.h"
#include "core/alloc.h"
#include "core/machine.h"
#include "rtl/utf.h"

/* The keys RTL_REGISTRY_* name (REG-10). RTL_REGISTRY_USER is \REGISTRY\USER\.DEFAULT, the
 * current user of a system process: pssim has no other users. */
static const char *const rtl_bases[RTL_REGISTRY_MAXIMUM] = {
    NULL,
    "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services",
    "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Control",
    "\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
    "\\REGISTRY\\MACHINE\\HARDWARE\\DEVICEMAP",
    "\\REGISTRY\\USER\\.DEFAULT",
};

/* The key RelativeTo and Path name. The write routines create its last key when missing, as
 * ZwCreateKey would (REG-10). */
static NTSTATUS rtl_key(pssim_machine *m, ULONG relative_to, PCWSTR path, CM_PARSE_MODE mode,
                        CM_KEY_NODE **out, bool *created)
{
    *out = NULL;
    *created = false;
    if (relative_to & RTL_REGISTRY_HANDLE)
        return CmpKeyFromHandle(m, (HANDLE)(ULONG_PTR)path, out);
    ULONG base = relative_to & ~(ULONG)RTL_REGISTRY_OPTIONAL;
    if (base >= RTL_REGISTRY_MAXIMUM)
        return STATUS_INVALID_PARAMETER;
    const char *prefix = rtl_bases[base];
    size_t prefix_units = prefix ? strlen(prefix) : 0;
    size_t path_units = path ? wcslen(path) : 0;
    bool separator = prefix && path_units && path[0] != '\\';
    size_t n = prefix_units + (separator ? 1 : 0) + path_units;
    WCHAR *buf = pssim__alloc((n + 1) * sizeof(WCHAR));
    if (!buf)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (size_t i = 0; i < prefix_units; i++)
        buf[i] = (WCHAR)(unsigned char)prefix[i];
    if (separator)
        buf[prefix_units] = '\\';
    if (path_units)
        memcpy(buf + n - path_units, path, path_units * sizeof(WCHAR));
    CM_CREATE_INFO info = {false, NULL};
    NTSTATUS st = CmpParsePath(m, NULL, buf, n, mode, &info, out, created);
    pssim__free(buf);
    return st;
}

/* ---- RtlQueryRegistryValues (REG-11) ---- */

typedef struct query_state {
    pssim_machine *m;
    PRTL_QUERY_REGISTRY_TABLE entry;
    PVOID context;
    CM_KEY_NODE *top, *current; /* each holds a reference; current is NULL for a missing subkey */
} query_state;

static void set_current(query_state *q, CM_KEY_NODE *k)
{
    if (k)
        CmpReferenceKey(k);
    if (q->current)
        CmpDereferenceKey(q->current);
    q->current = k;
}

static bool is_string_type(ULONG type)
{
    return type == REG_SZ || type == REG_EXPAND_SZ || type == REG_MULTI_SZ;
}

/* RTL_QUERY_REGISTRY_DIRECT: a string into the UNICODE_STRING at dest (allocated from pool when
 * its Buffer is NULL; STATUS_BUFFER_TOO_SMALL when it does not fit); other data of up to a ULONG
 * straight into dest; longer data into a buffer whose first LONG gives its size: negative, the
 * data alone; positive, the size and type first, then the data. */
static NTSTATUS store_direct(ULONG type, const void *data, ULONG size, PVOID dest)
{
    if (!dest)
        return STATUS_INVALID_PARAMETER;
    if (is_string_type(type)) {
        PUNICODE_STRING u = dest;
        ULONG length = size;
        if (size >= sizeof(WCHAR) && ((const WCHAR *)data)[size / sizeof(WCHAR) - 1] == 0)
            length -= sizeof(WCHAR); /* Length leaves the terminating NUL out */
        if (size > UNICODE_STRING_MAX_BYTES)
            return STATUS_BUFFER_TOO_SMALL;
        if (!u->Buffer && size) {
            u->Buffer = ExAllocatePoolWithTag(PagedPool, size, PSSIM_RTL_STRING_TAG);
            if (!u->Buffer)
                return STATUS_INSUFFICIENT_RESOURCES;
            u->MaximumLength = (USHORT)size;
        } else if (size > u->MaximumLength) {
            return STATUS_BUFFER_TOO_SMALL;
        }
        if (size)
            memcpy(u->Buffer, data, size);
        u->Length = (USHORT)length;
        return STATUS_SUCCESS;
    }
    if (size <= sizeof(ULONG)) {
        if (size)
            memcpy(dest, data, size);
        return STATUS_SUCCESS;
    }
    LONG header;
    memcpy(&header, dest, sizeof(header));
    if (header < 0) {
        if ((ULONG)0 - (ULONG)header < size)
            return STATUS_BUFFER_TOO_SMALL;
        memcpy(dest, data, size);
        return STATUS_SUCCESS;
    }
    if ((ULONG)header < size || (ULONG)header - size < 2 * sizeof(ULONG))
        return STATUS_BUFFER_TOO_SMALL;
    ULONG size_and_type[2] = {size, type};
    memcpy(dest, size_and_type, sizeof(size_and_type));
    memcpy((UCHAR *)dest + sizeof(size_and_type), data, size);
    return STATUS_SUCCESS;
}

static NTSTATUS callout(query_state *q, PWSTR name, ULONG type, PVOID data, ULONG size)
{
    PRTL_QUERY_REGISTRY_TABLE e = q->entry;
    if (e->Flags & RTL_QUERY_REGISTRY_DIRECT)
        return store_direct(type, data, size, e->EntryContext);
    return e->QueryRoutine(name, type, data, size, q->context, e->EntryContext);
}

/* The callouts of one value. Without RTL_QUERY_REGISTRY_NOEXPAND a REG_MULTI_SZ is handed over
 * string by string as REG_SZ, and a REG_EXPAND_SZ as REG_SZ (pssim has no environment to expand
 * from, so the text is unchanged). The data is copied first, with two NULs after it: the callee
 * may change the registry, and strings always end. */
static NTSTATUS process_value(query_state *q, PWSTR name, ULONG type, const void *data, ULONG size)
{
    UCHAR *copy = pssim__alloc((size_t)size + 2 * sizeof(WCHAR));
    if (!copy)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (size)
        memcpy(copy, data, size);
    bool expand = (q->entry->Flags & RTL_QUERY_REGISTRY_NOEXPAND) == 0;
    NTSTATUS st = STATUS_SUCCESS;
    if (type == REG_MULTI_SZ && expand) {
        WCHAR *w = (WCHAR *)copy;
        size_t units = size / sizeof(WCHAR);
        for (size_t i = 0; i < units && w[i] != 0 && NT_SUCCESS(st);) {
            size_t end = i;
            while (end < units && w[end] != 0)
                end++;
            st = callout(q, name, REG_SZ, w + i, (ULONG)((end - i + 1) * sizeof(WCHAR)));
            i = end + 1;
        }
    } else {
        st = callout(q, name, type == REG_EXPAND_SZ && expand ? REG_SZ : type, copy, size);
    }
    pssim__free(copy);
    return st;
}

/* An entry with no Name: every value of the current key, in order. */
static NTSTATUS all_values(query_state *q)
{
    CM_KEY_NODE *k = q->current;
    if (!k)
        return STATUS_SUCCESS;
    for (ULONG i = 0; !k->deleted; i++) {
        CM_KEY_VALUE *v = CmpValueAt(k, i);
        if (!v)
            break;
        WCHAR *name = pssim__alloc((v->name_units + 1) * sizeof(WCHAR));
        if (!name)
            return STATUS_INSUFFICIENT_RESOURCES;
        if (v->name_units)
            memcpy(name, v->name, v->name_units * sizeof(WCHAR));
        NTSTATUS st = process_value(q, name, v->type, v->data, v->size);
        pssim__free(name);
        if (!NT_SUCCESS(st))
            return st;
    }
    if ((q->entry->Flags & RTL_QUERY_REGISTRY_DELETE) && !k->deleted && k->values) {
        CmpFreeValues(k);
        CmpTouch(q->m, k);
    }
    return STATUS_SUCCESS;
}

/* The default's length when the table leaves it 0: the string's, with its NUL(s). */
static ULONG default_length(ULONG type, PCWSTR data, ULONG given)
{
    if (given || !data)
        return given;
    if (type == REG_SZ || type == REG_EXPAND_SZ)
        return (ULONG)((wcslen(data) + 1) * sizeof(WCHAR));
    if (type == REG_MULTI_SZ) {
        size_t i = 0;
        while (data[i] != 0)
            i += wcslen(data + i) + 1;
        return (ULONG)((i + 1) * sizeof(WCHAR));
    }
    return 0;
}

/* An entry with a Name: that value; when it is missing, REQUIRED fails, else the default. */
static NTSTATUS named_value(query_state *q)
{
    PRTL_QUERY_REGISTRY_TABLE e = q->entry;
    size_t units = wcslen(e->Name);
    CM_KEY_VALUE *v = q->current ? CmpFindValue(q->current, e->Name, units) : NULL;
    ULONG checked = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TYPECHECK;
    if (v) {
        if ((e->Flags & checked) == checked &&
            v->type != e->DefaultType >> RTL_QUERY_REGISTRY_TYPECHECK_SHIFT)
            return STATUS_OBJECT_TYPE_MISMATCH;
        NTSTATUS st = process_value(q, e->Name, v->type, v->data, v->size);
        if (NT_SUCCESS(st) && (e->Flags & RTL_QUERY_REGISTRY_DELETE) && !q->current->deleted)
            CmpDeleteValue(q->m, q->current, e->Name, units);
        return st;
    }
    if (e->Flags & RTL_QUERY_REGISTRY_REQUIRED)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    ULONG type = e->DefaultType;
    if (e->Flags & RTL_QUERY_REGISTRY_TYPECHECK)
        type &= ~(ULONG)RTL_QUERY_REGISTRY_TYPECHECK_MASK;
    if (type == REG_NONE || !e->DefaultData)
        return STATUS_SUCCESS;
    return process_value(q, e->Name, type, e->DefaultData,
                         default_length(type, e->DefaultData, e->DefaultLength));
}

/* RTL_QUERY_REGISTRY_SUBKEY: the following entries read the subkey of Path named by Name; a
 * missing subkey fails only a REQUIRED entry, and the entries after it find no values. */
static NTSTATUS enter_subkey(query_state *q)
{
    PRTL_QUERY_REGISTRY_TABLE e = q->entry;
    CM_KEY_NODE *sub = NULL;
    bool created;
    if (!e->Name)
        return STATUS_INVALID_PARAMETER;
    NTSTATUS st =
        CmpParsePath(q->m, q->top, e->Name, wcslen(e->Name), CM_PARSE_OPEN, NULL, &sub, &created);
    if (st == STATUS_OBJECT_NAME_NOT_FOUND || st == STATUS_KEY_DELETED) {
        if (e->Flags & RTL_QUERY_REGISTRY_REQUIRED)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        sub = NULL;
        st = STATUS_SUCCESS;
    }
    if (NT_SUCCESS(st))
        set_current(q, sub);
    return st;
}

static NTSTATUS query_entry(query_state *q)
{
    PRTL_QUERY_REGISTRY_TABLE e = q->entry;
    if (e->Flags & RTL_QUERY_REGISTRY_TOPKEY)
        set_current(q, q->top);
    if (e->Flags & RTL_QUERY_REGISTRY_SUBKEY) {
        NTSTATUS st = enter_subkey(q);
        return NT_SUCCESS(st) && e->QueryRoutine ? all_values(q) : st;
    }
    bool direct = (e->Flags & RTL_QUERY_REGISTRY_DIRECT) != 0;
    if (!direct && !e->QueryRoutine)
        return STATUS_INVALID_PARAMETER;
    if (e->Name)
        return named_value(q);
    if (direct)
        return STATUS_INVALID_PARAMETER; /* DIRECT needs a value name */
    if (e->Flags & RTL_QUERY_REGISTRY_NOVALUE)
        return e->QueryRoutine(NULL, REG_NONE, NULL, 0, q->context, e->EntryContext);
    return all_values(q);
}

NTSTATUS RtlQueryRegistryValues(ULONG RelativeTo, PCWSTR Path, PRTL_QUERY_REGISTRY_TABLE QueryTable,
                                PVOID Context, PVOID Environment)
{
    (void)Environment;
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (!CmpEnter(m, "RtlQueryRegistryValues"))
        return PSSIM_STATUS_BUGCHECK;
    if (!QueryTable)
        return STATUS_INVALID_PARAMETER;
    query_state q = {m, NULL, Context, NULL, NULL};
    bool created;
    NTSTATUS st = rtl_key(m, RelativeTo, Path, CM_PARSE_OPEN, &q.top, &created);
    if (!NT_SUCCESS(st)) {
        /* RTL_REGISTRY_OPTIONAL: a missing key is no error, and there is nothing to read. */
        bool missing = st == STATUS_OBJECT_NAME_NOT_FOUND || st == STATUS_OBJECT_PATH_NOT_FOUND;
        return missing && (RelativeTo & RTL_REGISTRY_OPTIONAL) ? STATUS_SUCCESS : st;
    }
    /* The keys are referenced while driver code runs in the callouts, which may delete them. */
    CmpReferenceKey(q.top);
    set_current(&q, q.top);
    for (q.entry = QueryTable; NT_SUCCESS(st) && (q.entry->QueryRoutine || q.entry->Name);
         q.entry++)
        st = query_entry(&q);
    set_current(&q, NULL);
    CmpDereferenceKey(q.top);
    return st;
}

/* ---- the other routines ---- */

NTSTATUS RtlWriteRegistryValue(ULONG RelativeTo, PCWSTR Path, PCWSTR ValueName, ULONG ValueType,
                               PVOID ValueData, ULONG ValueLength)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (!CmpEnter(m, "RtlWriteRegistryValue"))
        return PSSIM_STATUS_BUGCHECK;
    if (ValueLength && !ValueData)
        return STATUS_INVALID_PARAMETER;
    CM_KEY_NODE *k;
    bool created;
    NTSTATUS st = rtl_key(m, RelativeTo, Path, CM_PARSE_CREATE_LAST, &k, &created);
    if (!NT_SUCCESS(st))
        return st;
    st = CmpSetValue(m, k, ValueName, ValueName ? wcslen(ValueName) : 0, ValueType, ValueData,
                     ValueLength);
    if (!NT_SUCCESS(st) && created)
        CmpDeleteKey(m, k); /* a failed write leaves the registry as it was */
    return st;
}

NTSTATUS RtlDeleteRegistryValue(ULONG RelativeTo, PCWSTR Path, PCWSTR ValueName)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (!CmpEnter(m, "RtlDeleteRegistryValue"))
        return PSSIM_STATUS_BUGCHECK;
    CM_KEY_NODE *k;
    bool created;
    NTSTATUS st = rtl_key(m, RelativeTo, Path, CM_PARSE_OPEN, &k, &created);
    if (!NT_SUCCESS(st))
        return st;
    return CmpDeleteValue(m, k, ValueName, ValueName ? wcslen(ValueName) : 0);
}

NTSTATUS RtlCheckRegistryKey(ULONG RelativeTo, PWSTR Path)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (!CmpEnter(m, "RtlCheckRegistryKey"))
        return PSSIM_STATUS_BUGCHECK;
    CM_KEY_NODE *k;
    bool created;
    return rtl_key(m, RelativeTo, Path, CM_PARSE_OPEN, &k, &created);
}

NTSTATUS RtlCreateRegistryKey(ULONG RelativeTo, PWSTR Path)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (!CmpEnter(m, "RtlCreateRegistryKey"))
        return PSSIM_STATUS_BUGCHECK;
    CM_KEY_NODE *k;
    bool created;
    return rtl_key(m, RelativeTo, Path, CM_PARSE_CREATE_LAST, &k, &created);
}
