/* registry.c: the in-memory key tree of one machine: the predefined keys, path parsing, key
 * creation and deletion, and the lifetime of keys that are deleted while open (docs/registry.md,
 * REG-1..4, REG-6). */
#include <string.h>

#include "cm/cm.h"
#include "core/alloc.h"
#include "core/machine.h"

/* Registry names compare without case, whatever OBJ_CASE_INSENSITIVE says (REG-2), through the
 * same Rtl comparison the object namespace uses. */
static LONG compare_names(const WCHAR *a, size_t an, const WCHAR *b, size_t bn)
{
    return RtlCompareUnicodeStrings(a, an, b, bn, TRUE);
}

static bool names_equal(const WCHAR *a, size_t an, const WCHAR *b, size_t bn)
{
    return an == bn && compare_names(a, an, b, bn) == 0;
}

static WCHAR *copy_units(const WCHAR *s, size_t n)
{
    WCHAR *c = pssim__alloc((n + 1) * sizeof(WCHAR));
    if (c && n)
        memcpy(c, s, n * sizeof(WCHAR));
    return c;
}

static void free_node(CM_KEY_NODE *k)
{
    CmpFreeValues(k);
    pssim__free(k->name);
    pssim__free(k->class_name);
    pssim__free(k);
}

void CmpTouch(pssim_machine *m, CM_KEY_NODE *k)
{
    k->last_write.QuadPart = pssim__system_time(m);
}

/* A new key under `parent`, in the parent's sorted list of subkeys (REG-6). */
static NTSTATUS add_child(pssim_machine *m, CM_KEY_NODE *parent, const WCHAR *name, size_t n,
                          bool is_volatile, PCUNICODE_STRING class_name, CM_KEY_NODE **out)
{
    CM_KEY_NODE *k = pssim__alloc(sizeof(*k));
    if (!k)
        return STATUS_INSUFFICIENT_RESOURCES;
    k->name = copy_units(name, n);
    if (class_name && class_name->Length) {
        k->class_units = class_name->Length / sizeof(WCHAR);
        k->class_name = copy_units(class_name->Buffer, k->class_units);
    }
    if (!k->name || (k->class_units && !k->class_name)) {
        free_node(k);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    k->name_units = n;
    k->is_volatile = is_volatile;
    k->parent = parent;
    CmpTouch(m, k);
    if (parent) {
        CM_KEY_NODE **p = &parent->children;
        while (*p && compare_names((*p)->name, (*p)->name_units, name, n) < 0)
            p = &(*p)->next;
        k->next = *p;
        *p = k;
        CmpTouch(m, parent);
    }
    *out = k;
    return STATUS_SUCCESS;
}

static CM_KEY_NODE *find_child(const CM_KEY_NODE *k, const WCHAR *name, size_t n)
{
    for (CM_KEY_NODE *c = k->children; c; c = c->next)
        if (names_equal(c->name, c->name_units, name, n))
            return c;
    return NULL;
}

uint32_t CmpSubkeyCount(const CM_KEY_NODE *k)
{
    uint32_t n = 0;
    for (const CM_KEY_NODE *c = k->children; c; c = c->next)
        n++;
    return n;
}

CM_KEY_NODE *CmpSubkeyAt(const CM_KEY_NODE *k, ULONG index)
{
    CM_KEY_NODE *c = k->children;
    while (c && index--)
        c = c->next;
    return c;
}

/* ---- the predefined keys (REG-1) ---- */

typedef struct predefined_key {
    const char *path;
    bool is_volatile;
} predefined_key;

/* What Windows has at boot and the RTL_REGISTRY_* bases name. CurrentControlSet is a key here,
 * not a link to ControlSet001; HARDWARE is volatile, as on Windows. */
static const predefined_key predefined[] = {
    {"\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Control", false},
    {"\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services", false},
    {"\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", false},
    {"\\REGISTRY\\MACHINE\\HARDWARE", true},
    {"\\REGISTRY\\MACHINE\\HARDWARE\\DEVICEMAP", true},
    {"\\REGISTRY\\USER\\.DEFAULT", false},
};

static NTSTATUS create_ascii_path(pssim_machine *m, const char *path, bool is_volatile,
                                  CM_KEY_NODE **out)
{
    WCHAR buf[96];
    size_t n = strlen(path);
    for (size_t i = 0; i < n; i++)
        buf[i] = (WCHAR)(unsigned char)path[i];
    CM_CREATE_INFO info = {is_volatile, NULL};
    bool created;
    return CmpParsePath(m, NULL, buf, n, CM_PARSE_CREATE_ALL, &info, out, &created);
}

CM_REGISTRY *CmpRegistry(pssim_machine *m)
{
    if (m->cm)
        return m->cm;
    CM_REGISTRY *r = pssim__alloc(sizeof(*r));
    if (!r)
        return NULL;
    InitializeListHead(&r->orphans);
    static const WCHAR root_name[] = {'R', 'E', 'G', 'I', 'S', 'T', 'R', 'Y'};
    if (!NT_SUCCESS(add_child(m, NULL, root_name, 8, false, NULL, &r->root))) {
        pssim__free(r);
        return NULL;
    }
    r->root->is_hive_root = true;
    m->cm = r; /* the predefined keys are created through the parser, which needs it */
    for (size_t i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++) {
        CM_KEY_NODE *k;
        if (!NT_SUCCESS(create_ascii_path(m, predefined[i].path, predefined[i].is_volatile, &k))) {
            CmpDestroyRegistry(m);
            return NULL;
        }
    }
    /* MACHINE and USER are where hives are loaded: drivers add nothing to them (REG-2). */
    for (CM_KEY_NODE *c = r->root->children; c; c = c->next)
        c->is_hive_root = true;
    return r;
}

static void free_tree(CM_KEY_NODE *k)
{
    while (k->children) {
        CM_KEY_NODE *c = k->children;
        k->children = c->next;
        free_tree(c);
    }
    free_node(k);
}

void CmpDestroyRegistry(pssim_machine *m)
{
    CM_REGISTRY *r = m->cm;
    if (!r)
        return;
    free_tree(r->root);
    while (!IsListEmpty(&r->orphans))
        free_node(CONTAINING_RECORD(RemoveHeadList(&r->orphans), CM_KEY_NODE, orphan_link));
    pssim__free(r);
    m->cm = NULL;
}

/* ---- references and deletion (REG-4) ---- */

void CmpReferenceKey(CM_KEY_NODE *k)
{
    k->refs++;
}

void CmpDereferenceKey(CM_KEY_NODE *k)
{
    if (--k->refs == 0 && k->deleted) {
        RemoveEntryList(&k->orphan_link);
        free_node(k);
    }
}

NTSTATUS CmpDeleteKey(pssim_machine *m, CM_KEY_NODE *k)
{
    if (k->deleted)
        return STATUS_KEY_DELETED;
    if (k->is_hive_root || k->children)
        return STATUS_CANNOT_DELETE;
    CM_KEY_NODE *parent = k->parent;
    CM_KEY_NODE **p = &parent->children;
    while (*p != k)
        p = &(*p)->next;
    *p = k->next;
    CmpTouch(m, parent);
    /* The key is gone for every handle at once; what it held is freed now, the record when the
     * last handle closes. */
    CmpFreeValues(k);
    pssim__free(k->class_name);
    k->class_name = NULL;
    k->class_units = 0;
    k->parent = NULL;
    k->next = NULL;
    k->deleted = true;
    if (k->refs == 0)
        free_node(k);
    else
        InsertTailList(&m->cm->orphans, &k->orphan_link);
    return STATUS_SUCCESS;
}

NTSTATUS CmpDeleteTree(pssim_machine *m, CM_KEY_NODE *k)
{
    if (k->deleted)
        return STATUS_KEY_DELETED;
    if (k->is_hive_root)
        return STATUS_CANNOT_DELETE;
    while (k->children) {
        NTSTATUS st = CmpDeleteTree(m, k->children);
        if (!NT_SUCCESS(st))
            return st;
    }
    return CmpDeleteKey(m, k);
}

/* ---- paths (REG-2, REG-3) ---- */

NTSTATUS CmpParsePath(pssim_machine *m, CM_KEY_NODE *root, const WCHAR *s, size_t n,
                      CM_PARSE_MODE mode, const CM_CREATE_INFO *info, CM_KEY_NODE **out,
                      bool *created)
{
    *out = NULL;
    *created = false;
    CM_REGISTRY *r = CmpRegistry(m);
    if (!r)
        return STATUS_INSUFFICIENT_RESOURCES;
    CM_KEY_NODE *k; /* NULL: the root of the object namespace, where only \REGISTRY is */
    size_t p;
    if (root) {
        if (root->deleted)
            return STATUS_KEY_DELETED;
        if (n && s[0] == '\\')
            return STATUS_OBJECT_PATH_SYNTAX_BAD; /* a name beside a root is relative */
        if (n == 0) {
            *out = root;
            return STATUS_SUCCESS;
        }
        k = root;
        p = 0;
    } else {
        if (n == 0 || s[0] != '\\')
            return STATUS_OBJECT_PATH_SYNTAX_BAD;
        if (n == 1)
            return STATUS_OBJECT_TYPE_MISMATCH; /* "\" is a directory, not a key */
        k = NULL;
        p = 1;
    }
    for (;;) {
        size_t end = p;
        while (end < n && s[end] != '\\')
            end++;
        if (end == p)
            return STATUS_OBJECT_NAME_INVALID; /* an empty component: "\\" or a trailing "\" */
        bool last = end == n;
        CM_KEY_NODE *next;
        if (!k) {
            next = names_equal(r->root->name, r->root->name_units, s + p, end - p) ? r->root : NULL;
            if (!next)
                return last ? STATUS_OBJECT_NAME_NOT_FOUND : STATUS_OBJECT_PATH_NOT_FOUND;
        } else if (!(next = find_child(k, s + p, end - p))) {
            if (mode == CM_PARSE_OPEN || (mode == CM_PARSE_CREATE_LAST && !last))
                return STATUS_OBJECT_NAME_NOT_FOUND;
            if (mode == CM_PARSE_CREATE_LAST && k->is_hive_root)
                return STATUS_ACCESS_DENIED; /* hives are loaded, not created (REG-2) */
            /* Keys made on the way (control API) take their parent's volatility. */
            bool is_volatile = last && info ? info->is_volatile : k->is_volatile;
            if (k->is_volatile && !is_volatile)
                return STATUS_CHILD_MUST_BE_VOLATILE;
            NTSTATUS st = add_child(m, k, s + p, end - p, is_volatile,
                                    last && info ? info->class_name : NULL, &next);
            if (!NT_SUCCESS(st))
                return st;
            *created = last;
        }
        k = next;
        if (last)
            break;
        p = end + 1;
    }
    *out = k;
    return STATUS_SUCCESS;
}

size_t CmpKeyPath(const CM_KEY_NODE *k, WCHAR *buf, size_t cap)
{
    size_t need = 0;
    for (const CM_KEY_NODE *c = k; c; c = c->parent)
        need += 1 + c->name_units;
    /* Written back to front: each key's name goes before the names below it. */
    size_t end = need;
    for (const CM_KEY_NODE *c = k; c; c = c->parent) {
        size_t start = end - c->name_units - 1;
        for (size_t i = 0; i <= c->name_units; i++) {
            size_t at = start + i;
            if (at < cap)
                buf[at] = i == 0 ? (WCHAR)'\\' : c->name[i - 1];
        }
        end = start;
    }
    return need;
}
