/* control.c: the registry's control API (pssim_registry_*: what a test seeds and reads back),
 * and the service key a driver load creates (docs/registry.md, REG-9). */
#include <string.h>

#include "cm/cm.h"
#include "core/machine.h"

NTSTATUS CmpCreateServiceKey(pssim_machine *m, PCUNICODE_STRING registry_path)
{
    CM_KEY_NODE *k;
    bool created;
    return CmpParsePath(m, NULL, registry_path->Buffer, registry_path->Length / sizeof(WCHAR),
                        CM_PARSE_CREATE_ALL, NULL, &k, &created);
}

typedef struct registry_args {
    const char *key_path;
    const char *value_name; /* NULL = the unnamed value */
    ULONG type;
    const void *data;
    ULONG size;
    ULONG *type_out, *size_out;
    void *buf;
} registry_args;

/* The key at a UTF-8 path: created with every missing key above it, or opened. */
static NTSTATUS key_at(pssim_machine *m, const char *utf8, CM_PARSE_MODE mode, CM_KEY_NODE **out)
{
    UNICODE_STRING path;
    if (!PspMakeUnicodeString(utf8, strlen(utf8), &path))
        return STATUS_INSUFFICIENT_RESOURCES;
    bool created;
    NTSTATUS st =
        CmpParsePath(m, NULL, path.Buffer, path.Length / sizeof(WCHAR), mode, NULL, out, &created);
    PspFreeUnicodeString(&path);
    return st;
}

/* The key of a->key_path (made as `mode` says) and a->value_name in UTF-16, which the caller
 * frees with PspFreeUnicodeString. */
static NTSTATUS value_target(pssim_machine *m, const registry_args *a, CM_PARSE_MODE mode,
                             CM_KEY_NODE **k, UNICODE_STRING *name)
{
    const char *value = a->value_name ? a->value_name : "";
    name->Buffer = NULL;
    if (!PspMakeUnicodeString(value, strlen(value), name))
        return STATUS_INSUFFICIENT_RESOURCES;
    return key_at(m, a->key_path, mode, k);
}

static NTSTATUS set_body(pssim_machine *m, void *arg)
{
    registry_args *a = arg;
    UNICODE_STRING name;
    CM_KEY_NODE *k;
    NTSTATUS st = value_target(m, a, CM_PARSE_CREATE_ALL, &k, &name);
    if (NT_SUCCESS(st))
        st = CmpSetValue(m, k, name.Buffer, name.Length / sizeof(WCHAR), a->type, a->data, a->size);
    PspFreeUnicodeString(&name);
    return st;
}

static NTSTATUS get_body(pssim_machine *m, void *arg)
{
    registry_args *a = arg;
    UNICODE_STRING name;
    CM_KEY_NODE *k;
    NTSTATUS st = value_target(m, a, CM_PARSE_OPEN, &k, &name);
    CM_KEY_VALUE *v = NULL;
    if (NT_SUCCESS(st)) {
        v = CmpFindValue(k, name.Buffer, name.Length / sizeof(WCHAR));
        st = v ? STATUS_SUCCESS : STATUS_OBJECT_NAME_NOT_FOUND;
    }
    PspFreeUnicodeString(&name);
    if (!v)
        return st;
    if (a->type_out)
        *a->type_out = v->type;
    if (a->size_out)
        *a->size_out = v->size;
    if (v->size > a->size || (v->size && !a->buf))
        return STATUS_BUFFER_TOO_SMALL;
    if (v->size)
        memcpy(a->buf, v->data, v->size);
    return STATUS_SUCCESS;
}

static NTSTATUS delete_body(pssim_machine *m, void *arg)
{
    registry_args *a = arg;
    CM_KEY_NODE *k;
    NTSTATUS st = key_at(m, a->key_path, CM_PARSE_OPEN, &k);
    return NT_SUCCESS(st) ? CmpDeleteTree(m, k) : st;
}

static bool valid_utf8_or_null(const char *s)
{
    return !s || PspIsValidUtf8(s);
}

NTSTATUS pssim_registry_set_value(pssim_machine *m, const char *key_path, const char *value_name,
                                  ULONG type, const void *data, ULONG size)
{
    if (!m || !PspIsValidUtf8(key_path) || !valid_utf8_or_null(value_name) || (size && !data))
        return STATUS_INVALID_PARAMETER;
    registry_args a = {key_path, value_name, type, data, size, NULL, NULL, NULL};
    return pssim__control_call(m, set_body, &a);
}

NTSTATUS pssim_registry_get_value(pssim_machine *m, const char *key_path, const char *value_name,
                                  ULONG *type, void *buf, ULONG buf_size, ULONG *size)
{
    if (type)
        *type = REG_NONE;
    if (size)
        *size = 0;
    if (!m || !PspIsValidUtf8(key_path) || !valid_utf8_or_null(value_name))
        return STATUS_INVALID_PARAMETER;
    registry_args a = {key_path, value_name, 0, NULL, buf_size, type, size, buf};
    return pssim__control_call(m, get_body, &a);
}

NTSTATUS pssim_registry_delete_key(pssim_machine *m, const char *key_path)
{
    if (!m || !PspIsValidUtf8(key_path))
        return STATUS_INVALID_PARAMETER;
    registry_args a = {key_path, NULL, 0, NULL, 0, NULL, NULL, NULL};
    return pssim__control_call(m, delete_body, &a);
}
