/* symlink.c: symbolic links in the \?? namespace (IoCreateSymbolicLink, IoDeleteSymbolicLink;
 * docs/io.md IO-LINK-1..3), and resolving the names a user-mode client opens. */
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "io/io.h"

typedef struct IOP_SYMLINK {
    struct IOP_SYMLINK *next;
    WCHAR *name; /* the link's last component ("sysmon" of \??\sysmon) */
    size_t name_units;
    WCHAR *target; /* the full target path ("\Device\SysMon") */
    size_t target_units;
} IOP_SYMLINK;

/* IO-LINK-1: \??\X, \DosDevices\X and \GLOBAL??\X name the same link X (one namespace of DOS
 * device names in pssim). Returns the length of the prefix, 0 when none matches. */
static size_t dos_prefix(const WCHAR *s, size_t n)
{
    static const char *const prefixes[] = {"\\??\\", "\\DosDevices\\", "\\GLOBAL??\\"};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (IopNamePrefix(s, n, prefixes[i]))
            return strlen(prefixes[i]);
    return 0;
}

static IOP_SYMLINK **find_link(pssim_machine *m, const WCHAR *name, size_t units)
{
    for (IOP_SYMLINK **p = &m->symlinks; *p; p = &(*p)->next)
        if (IopNameEqual((*p)->name, (*p)->name_units, name, units))
            return p;
    return NULL;
}

static bool valid_string(PCUNICODE_STRING u)
{
    return u && u->Buffer && u->Length && u->Length % sizeof(WCHAR) == 0 &&
           u->Length <= u->MaximumLength;
}

static WCHAR *copy_units(const WCHAR *s, size_t n)
{
    WCHAR *c = pssim__alloc((n + 1) * sizeof(WCHAR));
    if (c)
        memcpy(c, s, n * sizeof(WCHAR));
    return c;
}

NTSTATUS IoCreateSymbolicLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!IopIrqlAtMost(m, PASSIVE_LEVEL, "IoCreateSymbolicLink", SymbolicLinkName, "IO-LINK-1"))
        return PSSIM_STATUS_BUGCHECK;
    if (!valid_string(SymbolicLinkName) || !valid_string(DeviceName))
        return STATUS_OBJECT_NAME_INVALID;
    const WCHAR *s = SymbolicLinkName->Buffer;
    size_t n = SymbolicLinkName->Length / sizeof(WCHAR);
    if (s[0] != '\\')
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    size_t k = dos_prefix(s, n);
    if (!k)
        return STATUS_OBJECT_PATH_NOT_FOUND; /* pssim keeps links only in \?? (IO-LINK-1) */
    if (k == n)
        return STATUS_OBJECT_NAME_INVALID;
    for (size_t i = k; i < n; i++)
        if (s[i] == '\\' || s[i] == 0)
            return STATUS_OBJECT_NAME_INVALID;
    if (find_link(m, s + k, n - k))
        return STATUS_OBJECT_NAME_COLLISION;
    IOP_SYMLINK *l = pssim__alloc(sizeof(*l));
    size_t tn = DeviceName->Length / sizeof(WCHAR);
    if (l) {
        l->name = copy_units(s + k, n - k);
        l->target = copy_units(DeviceName->Buffer, tn);
    }
    if (!l || !l->name || !l->target) {
        if (l) {
            pssim__free(l->name);
            pssim__free(l->target);
        }
        pssim__free(l);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    l->name_units = n - k;
    l->target_units = tn;
    l->next = m->symlinks;
    m->symlinks = l;
    return STATUS_SUCCESS;
}

NTSTATUS IoDeleteSymbolicLink(PUNICODE_STRING SymbolicLinkName)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!IopIrqlAtMost(m, PASSIVE_LEVEL, "IoDeleteSymbolicLink", SymbolicLinkName, "IO-LINK-2"))
        return PSSIM_STATUS_BUGCHECK;
    if (!valid_string(SymbolicLinkName))
        return STATUS_OBJECT_NAME_INVALID;
    const WCHAR *s = SymbolicLinkName->Buffer;
    size_t n = SymbolicLinkName->Length / sizeof(WCHAR);
    size_t k = dos_prefix(s, n);
    IOP_SYMLINK **p = k ? find_link(m, s + k, n - k) : NULL;
    if (!p)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    IOP_SYMLINK *l = *p;
    *p = l->next;
    pssim__free(l->name);
    pssim__free(l->target);
    pssim__free(l);
    return STATUS_SUCCESS;
}

void IopDestroySymbolicLinks(pssim_machine *m)
{
    while (m->symlinks) {
        IOP_SYMLINK *l = m->symlinks;
        m->symlinks = l->next;
        pssim__free(l->name);
        pssim__free(l->target);
        pssim__free(l);
    }
}

/* The device a client's name opens: "\Device\X[\rest]" directly, "\??\X[\rest]" (or
 * \DosDevices, \GLOBAL??, "\\.\X") through a link (IO-LINK-3). What follows the device's name
 * (the file name the driver sees) is copied to rest (rest_cap units), its length to *rest_units.
 * NULL when nothing matches. */
PDEVICE_OBJECT IopResolveDeviceName(pssim_machine *m, const WCHAR *s, size_t n, WCHAR *rest,
                                    size_t rest_cap, size_t *rest_units)
{
    WCHAR buf[512];
    size_t k = dos_prefix(s, n);
    if (!k && IopNamePrefix(s, n, "\\\\.\\"))
        k = 4;
    if (k) {
        size_t end = k;
        while (end < n && s[end] != '\\')
            end++;
        IOP_SYMLINK **p = find_link(m, s + k, end - k);
        if (!p)
            return NULL;
        /* The target, then what followed the link's name. */
        size_t tn = (*p)->target_units;
        if (tn + (n - end) >= sizeof(buf) / sizeof(buf[0]))
            return NULL;
        memcpy(buf, (*p)->target, tn * sizeof(WCHAR));
        memcpy(buf + tn, s + end, (n - end) * sizeof(WCHAR));
        if (dos_prefix(buf, tn + (n - end)))
            return NULL; /* a link to a link: not followed (one level, as pssim models it) */
        return IopResolveDeviceName(m, buf, tn + (n - end), rest, rest_cap, rest_units);
    }
    /* \Device\X: the device is the longest name that is a prefix at a component boundary. */
    for (size_t end = n; end > 0; end--) {
        if (end != n && s[end] != '\\')
            continue;
        UNICODE_STRING u = {(USHORT)(end * sizeof(WCHAR)), (USHORT)(end * sizeof(WCHAR)), (PWCH)s};
        PDEVICE_OBJECT d = IopLookupDevice(m, &u);
        if (d) {
            if (n - end > rest_cap)
                return NULL;
            memcpy(rest, s + end, (n - end) * sizeof(WCHAR));
            *rest_units = n - end;
            return d;
        }
    }
    return NULL;
}
