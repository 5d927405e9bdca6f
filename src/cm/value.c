/* value.c: the values of a key and the value routines: ZwSetValueKey, ZwQueryValueKey,
 * ZwEnumerateValueKey, ZwDeleteValueKey (docs/registry.md, REG-5, REG-7). */
#include <string.h>

#include "cm/cm.h"
#include "core/alloc.h"
#include "core/machine.h"

CM_KEY_VALUE *CmpFindValue(const CM_KEY_NODE *k, const WCHAR *name, size_t units)
{
    for (CM_KEY_VALUE *v = k->values; v; v = v->next)
        if (v->name_units == units &&
            RtlCompareUnicodeStrings(v->name, units, name, units, TRUE) == 0)
            return v;
    return NULL;
}

CM_KEY_VALUE *CmpValueAt(const CM_KEY_NODE *k, ULONG index)
{
    CM_KEY_VALUE *v = k->values;
    while (v && index--)
        v = v->next;
    return v;
}

uint32_t CmpValueCount(const CM_KEY_NODE *k)
{
    uint32_t n = 0;
    for (const CM_KEY_VALUE *v = k->values; v; v = v->next)
        n++;
    return n;
}

static void free_value(CM_KEY_VALUE *v)
{
    pssim__free(v->name);
    pssim__free(v->data);
    pssim__free(v);
}

void CmpFreeValues(CM_KEY_NODE *k)
{
    while (k->values) {
        CM_KEY_VALUE *v = k->values;
        k->values = v->next;
        free_value(v);
    }
}

NTSTATUS CmpSetValue(pssim_machine *m, CM_KEY_NODE *k, const WCHAR *name, size_t units, ULONG type,
                     const void *data, ULONG size)
{
    UCHAR *copy = NULL;
    if (size) {
        copy = pssim__alloc(size);
        if (!copy)
            return STATUS_INSUFFICIENT_RESOURCES;
        memcpy(copy, data, size);
    }
    CM_KEY_VALUE *v = CmpFindValue(k, name, units);
    if (!v) {
        /* A new value goes last and keeps its name as given (REG-5). */
        v = pssim__alloc(sizeof(*v));
        WCHAR *n = pssim__alloc((units + 1) * sizeof(WCHAR));
        if (!v || !n) {
            pssim__free(v);
            pssim__free(n);
            pssim__free(copy);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        if (units)
            memcpy(n, name, units * sizeof(WCHAR));
        v->name = n;
        v->name_units = units;
        CM_KEY_VALUE **p = &k->values;
        while (*p)
            p = &(*p)->next;
        *p = v;
    }
    pssim__free(v->data);
    v->data = copy;
    v->size = size;
    v->type = type;
    CmpTouch(m, k);
    return STATUS_SUCCESS;
}

NTSTATUS CmpDeleteValue(pssim_machine *m, CM_KEY_NODE *k, const WCHAR *name, size_t units)
{
    for (CM_KEY_VALUE **p = &k->values; *p; p = &(*p)->next) {
        CM_KEY_VALUE *v = *p;
        if (v->name_units == units &&
            RtlCompareUnicodeStrings(v->name, units, name, units, TRUE) == 0) {
            *p = v->next;
            free_value(v);
            CmpTouch(m, k);
            return STATUS_SUCCESS;
        }
    }
    return STATUS_OBJECT_NAME_NOT_FOUND;
}

/* ---- KEY_VALUE_*_INFORMATION (REG-7) ---- */

static ULONG align_up(ULONG x, ULONG a)
{
    return (x + a - 1) & ~(a - 1);
}

/* Fills the class's structure for v into buf (len bytes). *result gets the size the whole
 * structure needs. Shorter than the fixed part: STATUS_BUFFER_TOO_SMALL and nothing written.
 * Shorter than the whole: the fixed part and as much of the name as fits, no data,
 * STATUS_BUFFER_OVERFLOW. */
static NTSTATUS fill_value_info(const CM_KEY_VALUE *v, KEY_VALUE_INFORMATION_CLASS c, PVOID buf,
                                ULONG len, PULONG result)
{
    ULONG name_bytes = (ULONG)(v->name_units * sizeof(WCHAR));
    ULONG fixed, data_at, need;
    switch (c) {
    case KeyValueBasicInformation:
        fixed = (ULONG)offsetof(KEY_VALUE_BASIC_INFORMATION, Name);
        data_at = 0;
        need = fixed + name_bytes;
        break;
    case KeyValueFullInformation:
    case KeyValueFullInformationAlign64:
        fixed = (ULONG)offsetof(KEY_VALUE_FULL_INFORMATION, Name);
        data_at = align_up(fixed + name_bytes, c == KeyValueFullInformation ? 4 : 8);
        need = data_at + v->size;
        break;
    case KeyValuePartialInformation:
        fixed = data_at = (ULONG)offsetof(KEY_VALUE_PARTIAL_INFORMATION, Data);
        need = fixed + v->size;
        break;
    case KeyValuePartialInformationAlign64:
        fixed = data_at = (ULONG)offsetof(KEY_VALUE_PARTIAL_INFORMATION_ALIGN64, Data);
        need = fixed + v->size;
        break;
    default:
        return STATUS_INVALID_PARAMETER;
    }
    *result = need;
    if (len < fixed)
        return STATUS_BUFFER_TOO_SMALL;
    if (!buf)
        return STATUS_INVALID_PARAMETER;
    bool whole = len >= need;
    WCHAR *name_out = NULL;
    switch (c) {
    case KeyValueBasicInformation: {
        PKEY_VALUE_BASIC_INFORMATION b = buf;
        b->TitleIndex = 0;
        b->Type = v->type;
        b->NameLength = name_bytes;
        name_out = b->Name;
        break;
    }
    case KeyValueFullInformation:
    case KeyValueFullInformationAlign64: {
        PKEY_VALUE_FULL_INFORMATION f = buf;
        f->TitleIndex = 0;
        f->Type = v->type;
        f->DataOffset = data_at;
        f->DataLength = v->size;
        f->NameLength = name_bytes;
        name_out = f->Name;
        break;
    }
    case KeyValuePartialInformation: {
        PKEY_VALUE_PARTIAL_INFORMATION p = buf;
        p->TitleIndex = 0;
        p->Type = v->type;
        p->DataLength = v->size;
        break;
    }
    default: {
        PKEY_VALUE_PARTIAL_INFORMATION_ALIGN64 p = buf;
        p->Type = v->type;
        p->DataLength = v->size;
        break;
    }
    }
    if (name_out && name_bytes) {
        ULONG room = len - fixed;
        memcpy(name_out, v->name, name_bytes < room ? name_bytes : room);
    }
    if (!whole)
        return STATUS_BUFFER_OVERFLOW;
    if (data_at && v->size)
        memcpy((UCHAR *)buf + data_at, v->data, v->size);
    return STATUS_SUCCESS;
}

/* ---- the Zw routines ---- */

/* KeyValueLayerInformation is not modelled: refused as an unknown class would be. */
static bool valid_class(KEY_VALUE_INFORMATION_CLASS c)
{
    return (unsigned)c <= (unsigned)KeyValuePartialInformationAlign64;
}

static bool valid_name(PCUNICODE_STRING s)
{
    return s && (s->Length == 0 || s->Buffer) && s->Length % sizeof(WCHAR) == 0;
}

NTSTATUS ZwSetValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName, ULONG TitleIndex, ULONG Type,
                       PVOID Data, ULONG DataSize)
{
    (void)TitleIndex;
    pssim_machine *m;
    CM_KEY_NODE *k;
    NTSTATUS st = CmpEnterKey("ZwSetValueKey", KeyHandle, &m, &k);
    if (!NT_SUCCESS(st))
        return st;
    if (!valid_name(ValueName) || (DataSize && !Data))
        return STATUS_INVALID_PARAMETER;
    return CmpSetValue(m, k, ValueName->Buffer, ValueName->Length / sizeof(WCHAR), Type, Data,
                       DataSize);
}

NTSTATUS ZwQueryValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName,
                         KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass,
                         PVOID KeyValueInformation, ULONG Length, PULONG ResultLength)
{
    pssim_machine *m;
    CM_KEY_NODE *k;
    NTSTATUS st = CmpEnterKey("ZwQueryValueKey", KeyHandle, &m, &k);
    if (!NT_SUCCESS(st))
        return st;
    if (!valid_name(ValueName) || !valid_class(KeyValueInformationClass) || !ResultLength)
        return STATUS_INVALID_PARAMETER;
    CM_KEY_VALUE *v = CmpFindValue(k, ValueName->Buffer, ValueName->Length / sizeof(WCHAR));
    if (!v)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    return fill_value_info(v, KeyValueInformationClass, KeyValueInformation, Length, ResultLength);
}

NTSTATUS ZwEnumerateValueKey(HANDLE KeyHandle, ULONG Index,
                             KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass,
                             PVOID KeyValueInformation, ULONG Length, PULONG ResultLength)
{
    pssim_machine *m;
    CM_KEY_NODE *k;
    NTSTATUS st = CmpEnterKey("ZwEnumerateValueKey", KeyHandle, &m, &k);
    if (!NT_SUCCESS(st))
        return st;
    if (!valid_class(KeyValueInformationClass) || !ResultLength)
        return STATUS_INVALID_PARAMETER;
    CM_KEY_VALUE *v = CmpValueAt(k, Index);
    if (!v)
        return STATUS_NO_MORE_ENTRIES;
    return fill_value_info(v, KeyValueInformationClass, KeyValueInformation, Length, ResultLength);
}

NTSTATUS ZwDeleteValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName)
{
    pssim_machine *m;
    CM_KEY_NODE *k;
    NTSTATUS st = CmpEnterKey("ZwDeleteValueKey", KeyHandle, &m, &k);
    if (!NT_SUCCESS(st))
        return st;
    if (!valid_name(ValueName))
        return STATUS_INVALID_PARAMETER;
    return CmpDeleteValue(m, k, ValueName->Buffer, ValueName->Length / sizeof(WCHAR));
}
